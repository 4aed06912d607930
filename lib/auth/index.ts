import "server-only";
// Users, passwords, sessions, API tokens and login throttling. Server-only.
export { ROLES, roleAllows, roleSchema, isRole, type Role } from "./roles";
export { AuthError, type AuthErrorCode } from "./errors";
export { MIN_PASSWORD_LENGTH, generatePassword, hashPassword, verifyPassword } from "./password";
export { createUser, ensureAdmin, listUsers, setPassword, setUserDisabled, setUserRole, type EnsureAdminResult, type PublicUser } from "./users";
export { createSession, deleteSession, deleteUserSessions, pruneExpiredSessions, validateSession, SESSION_MAX_AGE_MS, SESSION_TTL_MS } from "./sessions";
export { createApiToken, listApiTokens, revokeApiToken, verifyApiToken, type PublicApiToken } from "./api-tokens";
export { login, logout, type LoginResult } from "./login";
export { clearedSessionCookie, isHttpsRequest, sessionCookie, SESSION_COOKIE } from "./cookies";
export { authenticateRequest, clientIp, sessionTokenOf, type Principal } from "./request";
export { RECHECK_MS, recheckCredentials, watchCredential, watchedCredentials } from "./revocation";
