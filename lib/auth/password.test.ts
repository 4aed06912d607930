import { describe, expect, it } from "vitest";
import { AuthError } from "./errors";
import { assertAcceptablePassword, generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./password";

describe("password hashing", () => {
  it("stores scrypt parameters, salt and key in the hash string", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
  });

  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts each hash, so equal passwords hash differently", async () => {
    const [a, b] = await Promise.all([hashPassword("same password!"), hashPassword("same password!")]);
    expect(a).not.toBe(b);
  });

  it("verifies hashes made with other parameters (they travel in the string)", async () => {
    const cheap = await hashPassword("parameters move", { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith("scrypt$1024$8$1$")).toBe(true);
    expect(await verifyPassword("parameters move", cheap)).toBe(true);
  });

  it("treats a malformed stored hash as an error, not as a wrong password", async () => {
    await expect(verifyPassword("whatever1234", "plaintext")).rejects.toThrow(/unknown format/);
    await expect(verifyPassword("whatever1234", "scrypt$x$8$1$aa$bb")).rejects.toThrow(/bad parameters/);
  });

  it(`refuses passwords shorter than ${MIN_PASSWORD_LENGTH} characters`, () => {
    expect(() => assertAcceptablePassword("123456789")).toThrow(AuthError);
    expect(() => assertAcceptablePassword("1234567890")).not.toThrow();
    expect(() => assertAcceptablePassword("x".repeat(1025))).toThrow(/at most/);
  });

  it("generates long random passwords", () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
  });
});
