# kad serve in a container: the rooms API, the signaling WebSocket and the web page.
# Configure it through the environment (README, "kad serve"), e.g. KAD_PUBLIC_URL,
# KAD_REDIS_URL, KAD_TURN_URLS and KAD_TURN_SECRET or KAD_TURN_SECRET_FILE.
FROM node:20-bookworm-slim AS build
WORKDIR /kad
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npx tsup && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /kad
COPY --from=build /kad/package.json ./
COPY --from=build /kad/node_modules ./node_modules
COPY --from=build /kad/bin ./bin
COPY --from=build /kad/dist ./dist
USER node
EXPOSE 9891
ENV KAD_SERVE_HOST=0.0.0.0 KAD_SERVE_PORT=9891
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:9891/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/kad", "serve"]
