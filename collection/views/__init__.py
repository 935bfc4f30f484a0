"""Web pages, by audience: public data, the focal point's submissions, the reviewer's queue."""
