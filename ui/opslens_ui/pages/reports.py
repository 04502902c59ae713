"""The Reports page (see :mod:`opslens_ui.reports_page`)."""

from opslens_ui.reports_page import render
from opslens_ui.runtime import shared_client
from opslens_ui.settings import UiSettings

settings = UiSettings()
render(shared_client(settings), settings)
