"""``outreach app``: the web page (Mesa's SolaraViz) over ``OutreachModel``."""
