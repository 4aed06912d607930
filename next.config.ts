import type { NextConfig } from "next";

// The dashboard drives the Docker socket: it must never be framed (clickjacking), never load
// script from elsewhere, and never leak its URLs (operation ids, filters) to other sites.
// Next's App Router inlines its hydration scripts, so script-src needs 'unsafe-inline'; the
// dev server's React refresh also needs eval.
const dev = process.env.NODE_ENV === "development";
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  // dockerode pulls in ssh2, whose optional native addon cannot be bundled.
  serverExternalPackages: ["dockerode", "@libsql/client", "@prisma/adapter-libsql", "pg"],
  // The container image (lab/dashboard/build.sh) ships Next's standalone output; the host build
  // keeps the full one, which `node scripts/server.mjs` serves without a "standalone" warning.
  output: process.env.FLEET_BUILD_STANDALONE === "1" ? "standalone" : undefined,
  poweredByHeader: false,
  // scripts/server.mjs (the production server) compresses, with a level per kind of response.
  compress: false,
  allowedDevOrigins: ["localhost"],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
