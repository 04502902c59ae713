"""The Nezha TrainTicket RCA dataset, imported into the platform's formats to measure the
root-cause ranking on real multimodal data."""
