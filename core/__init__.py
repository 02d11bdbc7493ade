"""ConvScope's engine: models, data, training, probing and inference. Never imports Qt."""
