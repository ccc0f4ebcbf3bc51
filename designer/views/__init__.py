"""Views: each watches the state or the live session and never talks to another view."""
