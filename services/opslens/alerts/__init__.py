"""Alert-driven investigations: the rules opslens ships and the Alertmanager receiver."""
