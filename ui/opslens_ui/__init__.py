"""opslens UI: the Streamlit app, talking to the agent service over HTTP only."""
