#!/bin/sh
# Write the docker config from DOCKER_AUTH_CONFIG (Variable or File type).
set -e
if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp "$DOCKER_AUTH_CONFIG" "$HOME/.docker/config.json"; else printf '%s' "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"; fi
