"""Helpers for authlint's end-to-end tests (real registry, skopeo, gitlab-ci-local)."""
