"""The Alerts page (see :mod:`opslens_ui.alerts_page`)."""

from opslens_ui.alerts_page import render
from opslens_ui.runtime import shared_client
from opslens_ui.settings import UiSettings

settings = UiSettings()
render(shared_client(settings), settings)
