"""The REST API under /api/v1: routes, request and response models, offline docs."""
