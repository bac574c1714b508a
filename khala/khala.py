"""Assembly only: the app, its pages, routes and lifespan tasks."""

import reflex as rx


def index() -> rx.Component:
    return rx.text("Khala")


app = rx.App()
app.add_page(index, route="/")
