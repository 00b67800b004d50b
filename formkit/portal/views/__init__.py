"""HTTP views over the Portal object: ``api`` (JSON under /api/v1/) and ``pages`` (Chinese HTML)."""
