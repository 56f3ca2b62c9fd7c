#!/bin/sh
set -eux
cat "$HOME/.docker/config.json"
docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
