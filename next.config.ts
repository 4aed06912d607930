import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // dockerode pulls in ssh2, whose optional native addon cannot be bundled.
  serverExternalPackages: ["dockerode", "@libsql/client", "@prisma/adapter-libsql", "pg"],
  poweredByHeader: false,
  allowedDevOrigins: ["localhost"],
};

export default nextConfig;
