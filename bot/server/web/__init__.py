"""The web widget's server side: signed session ids, history replay, and the widget files and demo page."""
