"""The Exchange build every log the simulator writes names in `#Version` (one build for tracking and protocol logs)."""

EXCHANGE_BUILD = "8.1.240.6"
