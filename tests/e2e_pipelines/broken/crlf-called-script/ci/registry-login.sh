#!/bin/sh
# Write the docker config for the GitLab registry (saved on Windows: CRLF).
mkdir -p "$HOME/.docker"
if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp "$DOCKER_AUTH_CONFIG" "$HOME/.docker/config.json"; else printf '%s' "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"; fi
