"""One module per tab of the Gradio app; each exposes `build(ctx)`."""
