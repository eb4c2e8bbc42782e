"""The HTTP service: ``service.app.create_app`` builds the FastAPI app (routers in
``service.routes``, dependencies in ``service.deps``, request models in ``service.wire``) with
the Gradio UI at /ui, hardening, hot reload and observability."""
