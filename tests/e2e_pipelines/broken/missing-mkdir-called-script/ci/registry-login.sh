#!/bin/sh
# Write the docker config for the registry (the image has no ~/.docker).
set -e
[ -f "$DOCKER_AUTH_CONFIG" ] && cp "$DOCKER_AUTH_CONFIG" ~/.docker/config.json || printf '%s' "$DOCKER_AUTH_CONFIG" > ~/.docker/config.json
