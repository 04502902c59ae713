"""Page scripts run by ``st.navigation`` in app.py (each one line: its module's ``render``)."""
