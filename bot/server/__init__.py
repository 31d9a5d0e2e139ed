"""Everything that imports Rasa, the Rasa SDK, Sanic or socket.io: servers, channels, stores, the widget routes.

The core (the rest of `bot/`) never imports from here; tests/unit/test_import_contract.py checks it.
"""
