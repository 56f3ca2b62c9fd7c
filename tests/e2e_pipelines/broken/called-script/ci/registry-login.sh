#!/bin/sh
# Write the docker config for the GitLab registry.
set -e
mkdir -p "$HOME/.docker"
echo "{\"auths\":{\"${CI_REGISTRY}\":{\"auth\":\"$(echo ${CI_REGISTRY_USER}:${CI_REGISTRY_PASSWORD} | base64)\"}}}" > "$HOME/.docker/config.json"
