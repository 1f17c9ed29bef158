"""The Gradio app at /: the tabs, the i18n table, the sanitised rendering."""
