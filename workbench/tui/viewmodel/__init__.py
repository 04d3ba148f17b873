"""What the screens show, computed without Textual so it can be tested without an app.

Widgets only turn these values into text and styles; every rule about owners, layout, drafts
and previews lives here.
"""
