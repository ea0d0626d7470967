"""Voice activity detection: speech probabilities and end-of-speech detection."""
