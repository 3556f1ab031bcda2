"""The Exchange Server 2007 build every log exsim writes names in its `#Version` header line."""

EXCHANGE_BUILD = "8.1.240.6"
