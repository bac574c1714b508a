"""Routes of the accounts domain: /login, /signup, /verify, /forgot-password, /reset-password, /account.

Importing this module registers the pages (``@rx.page``); only ``khala.khala`` imports it.
"""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import auth_card, calendar_feed_section, link, primary_button
from khala.accounts.state import (
    AccountState,
    ForgotPasswordState,
    LoginState,
    ResetPasswordState,
    SessionState,
    SignupState,
    VerifyState,
)
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.forms import field, field_error, form_error, notice
from khala.ui.i18n import t as _
from khala.ui.layout import template

# ── /login ─────────────────────────────────────────────────────────────────────────────────────────────


@template(route="/login", title=N_("Sign in"), on_load=LoginState.clear)
def login_page() -> rx.Component:
    return auth_card(
        rx.cond(
            rx.State.router.url.query_parameters.contains("expired"),
            rx.callout(
                _("That sign-in took too long. Please sign in again."), icon="info", margin_bottom="1rem"
            ),
        ),
        rx.cond(
            SessionState.signed_in,
            rx.vstack(
                rx.text(_("You are signed in as "), rx.text.strong(SessionState.email), "."),
                link(_("Go to your account"), "/account"),
            ),
            rx.form(
                rx.vstack(
                    form_error(LoginState.error),
                    field(_("E-mail address"), "email", type_="email", autocomplete="username"),
                    field(_("Password"), "password", type_="password", autocomplete="current-password"),
                    primary_button(_("Sign in"), loading=LoginState.submitting, id="login-submit"),
                    rx.hstack(
                        link(_("Forgot your password?"), "/forgot-password"),
                        rx.spacer(),
                        link(_("Create an account"), "/signup"),
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                id="login-form",
            ),
        ),
    )


# ── /signup ────────────────────────────────────────────────────────────────────────────────────────────


@template(route="/signup", title=N_("Create an account"), on_load=SignupState.clear)
def signup_page() -> rx.Component:
    return auth_card(
        rx.cond(
            SignupState.done_message != "",
            rx.vstack(
                rx.callout(SignupState.done_message, icon="mail", color_scheme="green", role="status"),
                rx.button(_("Send the link again"), on_click=SignupState.resend, variant="soft", id="resend"),
                rx.link(
                    _("Sign in"), href=SignupState.login_href, color=theme.PRIMARY_TEXT, underline="always"
                ),
                spacing="3",
            ),
            rx.form(
                rx.vstack(
                    field_error(SignupState.errors, "form"),
                    field(
                        _("E-mail address"),
                        "email",
                        type_="email",
                        errors=SignupState.errors,
                        autocomplete="email",
                        max_length=254,
                    ),
                    field(
                        _("Your name"),
                        "display_name",
                        errors=SignupState.errors,
                        autocomplete="name",
                        hint=_("Shown to organisers of the events you register for."),
                        max_length=100,
                    ),
                    field(
                        _("Password"),
                        "password",
                        type_="password",
                        errors=SignupState.errors,
                        autocomplete="new-password",
                        hint=_("At least 10 characters. A few random words work well."),
                        max_length=1024,
                    ),
                    primary_button(_("Create account"), loading=SignupState.submitting, id="signup-submit"),
                    rx.text(
                        _("Already have an account? "),
                        rx.link(
                            _("Sign in"),
                            href=SignupState.login_href,
                            color=theme.PRIMARY_TEXT,
                            underline="always",
                        ),
                        size="2",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=SignupState.submit,
                id="signup-form",
            ),
        ),
    )


# ── /verify ────────────────────────────────────────────────────────────────────────────────────────────


def _ask_again_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field(_("E-mail address"), "email", type_="email", autocomplete="email"),
            primary_button(_("Send me a new link")),
            notice(VerifyState.resend_message),
            spacing="3",
            width="100%",
        ),
        on_submit=VerifyState.resend,
    )


@template(route="/verify", title=N_("Confirm your address"), on_load=VerifyState.load)
def verify_page() -> rx.Component:
    return auth_card(
        rx.match(
            VerifyState.status,
            ("pending", rx.spinner()),
            (
                "verified",
                rx.vstack(
                    rx.callout(VerifyState.message, icon="check", color_scheme="green", id="verify-ok"),
                    rx.cond(
                        SessionState.signed_in, link(_("Browse events"), "/"), link(_("Sign in"), "/login")
                    ),
                ),
            ),
            (
                "email_changed",
                rx.vstack(
                    rx.callout(VerifyState.message, icon="check", color_scheme="green", id="verify-ok"),
                    link(_("Back to your account"), "/account"),
                ),
            ),
            rx.vstack(
                rx.callout(VerifyState.message, icon="triangle_alert", color_scheme="red", id="verify-bad"),
                rx.text(_("Ask for a new confirmation link:")),
                _ask_again_form(),
                spacing="3",
            ),
        ),
    )


# ── password reset ─────────────────────────────────────────────────────────────────────────────────────


@template(route="/forgot-password", title=N_("Forgot your password?"), on_load=ForgotPasswordState.clear)
def forgot_password_page() -> rx.Component:
    return auth_card(
        rx.cond(
            ForgotPasswordState.message != "",
            rx.callout(ForgotPasswordState.message, icon="mail", color_scheme="green", role="status"),
            rx.form(
                rx.vstack(
                    rx.text(_("We will mail you a link to choose a new one.")),
                    form_error(ForgotPasswordState.error),
                    field(_("E-mail address"), "email", type_="email", autocomplete="email"),
                    primary_button(_("Send the link")),
                    spacing="4",
                    width="100%",
                ),
                on_submit=ForgotPasswordState.submit,
            ),
        ),
    )


@template(route="/reset-password", title=N_("Choose a new password"), on_load=ResetPasswordState.load)
def reset_password_page() -> rx.Component:
    return auth_card(
        rx.match(
            ResetPasswordState.status,
            ("pending", rx.spinner()),
            (
                "ready",
                rx.form(
                    rx.vstack(
                        field_error(ResetPasswordState.errors, "token"),
                        field(
                            _("New password"),
                            "password",
                            type_="password",
                            errors=ResetPasswordState.errors,
                            autocomplete="new-password",
                            hint=_("At least 10 characters."),
                            max_length=1024,
                        ),
                        field(
                            _("New password again"),
                            "password_again",
                            type_="password",
                            errors=ResetPasswordState.errors,
                            autocomplete="new-password",
                            max_length=1024,
                        ),
                        primary_button(_("Save the new password")),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=ResetPasswordState.submit,
                ),
            ),
            (
                "done",
                rx.vstack(
                    rx.callout(ResetPasswordState.message, icon="check", color_scheme="green"),
                    link(_("Sign in"), "/login"),
                ),
            ),
            rx.vstack(
                rx.callout(ResetPasswordState.message, icon="triangle_alert", color_scheme="red"),
                link(_("Ask for a new link"), "/forgot-password"),
            ),
        ),
    )


# ── /account ───────────────────────────────────────────────────────────────────────────────────────────


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.box(
        rx.heading(title, size="4", as_="h2", margin_bottom="0.75rem", color=theme.TEXT),
        *children,
        style=theme.card_style,
        padding="1.5rem",
        width="100%",
    )


def _sessions_table() -> rx.Component:
    return rx.vstack(
        rx.foreach(
            AccountState.sessions,
            lambda s: rx.hstack(
                rx.vstack(
                    rx.text(s["device"], size="2", weight="medium"),
                    rx.text(_("Last active "), s["last_seen"], _(" · signed in "), s["created"], size="1"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.cond(s["current"] != "", rx.badge(_("This device"), color_scheme="green")),
                width="100%",
                border_bottom=f"1px solid {theme.BORDER}",
                padding_y="0.5rem",
            ),
        ),
        rx.button(
            _("Sign out everywhere"),
            on_click=AccountState.sign_out_everywhere,
            variant="soft",
            color_scheme="red",
            id="sign-out-everywhere",
        ),
        width="100%",
    )


@template(route="/account", title=N_("Your account"), on_load=AccountState.load)
def account_page() -> rx.Component:
    errors = AccountState.errors
    return rx.box(
        rx.cond(
            AccountState.loaded,
            rx.vstack(
                rx.text(_("Signed in as "), rx.text.strong(AccountState.email, id="account-email")),
                notice(AccountState.notice),
                field_error(errors, "form"),
                rx.cond(
                    ~AccountState.is_verified,
                    rx.callout(
                        rx.hstack(
                            rx.text(_("Please confirm your e-mail address to register for events.")),
                            rx.button(
                                _("Send the link again"), on_click=AccountState.resend_verification, size="1"
                            ),
                            wrap="wrap",
                        ),
                        icon="mail",
                        color_scheme="amber",
                    ),
                ),
                _section(
                    _("Name"),
                    rx.form(
                        rx.vstack(
                            field(
                                _("Your name"),
                                "display_name",
                                errors=errors,
                                default_value=AccountState.display_name,
                                autocomplete="name",
                                max_length=100,
                            ),
                            rx.button(_("Save name"), type="submit"),
                            align="start",
                        ),
                        on_submit=AccountState.save_name,
                        reset_on_submit=False,
                    ),
                ),
                _section(
                    _("E-mail address"),
                    rx.form(
                        rx.vstack(
                            field(
                                _("New e-mail address"),
                                "email",
                                type_="email",
                                errors=errors,
                                id_="new-email",
                            ),
                            field(
                                _("Your password"),
                                "password",
                                type_="password",
                                errors=errors,
                                autocomplete="current-password",
                            ),
                            rx.button(_("Send confirmation link"), type="submit"),
                            align="start",
                        ),
                        on_submit=AccountState.change_email,
                        reset_on_submit=True,
                    ),
                ),
                _section(
                    _("Password"),
                    rx.form(
                        rx.vstack(
                            field(
                                _("Current password"),
                                "current_password",
                                type_="password",
                                errors=errors,
                                autocomplete="current-password",
                            ),
                            field(
                                _("New password"),
                                "new_password",
                                type_="password",
                                errors=errors,
                                autocomplete="new-password",
                                max_length=1024,
                            ),
                            field(
                                _("New password again"),
                                "new_password_again",
                                type_="password",
                                errors=errors,
                                autocomplete="new-password",
                                max_length=1024,
                            ),
                            rx.button(_("Change password"), type="submit"),
                            align="start",
                        ),
                        on_submit=AccountState.change_password,
                        reset_on_submit=True,
                    ),
                ),
                _section(_("Where you are signed in"), _sessions_table()),
                _section(_("Your tickets in your calendar"), calendar_feed_section()),
                _section(
                    _("Your data"),
                    rx.text(_("Download everything we keep about you (profile and registrations) as JSON.")),
                    rx.button(
                        _("Download my data"), on_click=AccountState.download_data, margin_top="0.5rem"
                    ),
                ),
                _section(
                    _("Delete account"),
                    rx.text(
                        _(
                            "Your registrations are cancelled and your name and address removed. "
                            "This cannot be undone."
                        )
                    ),
                    rx.cond(
                        AccountState.confirm_delete,
                        rx.form(
                            rx.vstack(
                                field(
                                    _("Your password"),
                                    "delete_password",
                                    type_="password",
                                    errors=errors,
                                    autocomplete="current-password",
                                ),
                                rx.hstack(
                                    rx.button(_("Delete my account"), type="submit", color_scheme="red"),
                                    rx.button(
                                        _("Keep it"),
                                        type="button",
                                        variant="soft",
                                        on_click=AccountState.ask_delete(False),
                                    ),
                                ),
                                align="start",
                            ),
                            on_submit=AccountState.delete_account,
                        ),
                        rx.button(
                            _("Delete my account…"),
                            color_scheme="red",
                            variant="soft",
                            on_click=AccountState.ask_delete(True),
                            margin_top="0.5rem",
                        ),
                    ),
                ),
                rx.button(_("Sign out"), on_click=SessionState.sign_out, variant="outline", id="sign-out"),
                spacing="4",
                width="100%",
                max_width="720px",
                padding="2rem 1rem",
            ),
            rx.spinner(margin="3rem"),
        ),
        width="100%",
    )
