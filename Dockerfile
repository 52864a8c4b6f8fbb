# syntax=docker/dockerfile:1
# The gateway image: `npm run build`'s bundle (dist/) on a slim Node base, production dependencies
# only, running as the unprivileged `node` user. The same image runs the standalone sandbox
# (`node dist/sandbox/main.js`), which compose.yaml uses for its demo.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs `postinstall` (patch-package), which applies patches/ to node_modules (undici's
# paused-parser crash, nodejs/undici#5360); the patched node_modules is what the runtime stage copies.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    EXPORT_DATA_DIR=/data/exports \
    IMPORT_DATA_DIR=/data/imports \
    GATEWAY_UPLOAD_DIR=/data/uploads
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Job records, downloaded export files and import parts live under /data: mount a volume there
# (shared by every instance of a fleet, see README "Scale-out").
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A young generation of 2 x 8 MB instead of V8's 2 x 16 MB: the gateway's garbage is short-lived
# (requests, pages, batches), and the smaller one keeps RSS under 200 MB (README "Performance").
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "--heap-growing-percent=50", "dist/main.js"]
