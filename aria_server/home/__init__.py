"""Home Assistant as the home (issue 11 §3): its REST client and the access token it sends."""
