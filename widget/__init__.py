"""Megáfono: take-action widgets (petitions and call-ins) for rights and solidarity groups."""

from pathlib import Path

from flask import Flask

#: The checkout the service runs from: static files, catalogs and campaign files live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the application: defaults, then the environment, then the test override."""
    app = Flask(__name__, static_folder=str(PROJECT_ROOT / "static"))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    setup_config(app, test_config)
    setup_storage(app)
    setup_i18n(app)
    setup_security(app)
    setup_views(app)
    setup_limits(app)
    setup_cli(app)
    # WSGI middleware last: the proxy fix outermost, so everything inside sees the supporter's
    # own scheme and address.
    setup_fast_paths(app)
    setup_proxy(app)
    return app


def setup_config(app, test_config):
    from widget.config import load_config

    load_config(app, test_config)


def setup_fast_paths(app):
    from widget.embedding.rendered import RenderedPages
    from widget.graphics.fast import CachedCards
    from widget.petition.quick import QuickSignatures

    app.wsgi_app = RenderedPages(app.wsgi_app, app)
    app.wsgi_app = QuickSignatures(app.wsgi_app, app)
    app.wsgi_app = CachedCards(app.wsgi_app, app.config)


def setup_proxy(app):
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config["PROXY_HOPS"]
    if hops:
        # Trust exactly as many X-Forwarded-For and -Proto entries as there are proxies, no more.
        # The host is the Host header, which proxies pass on (docs/deploy.md): nginx, as most,
        # sets no X-Forwarded-Host, so one there came from the client, to have links, share
        # addresses and QR codes made for a site of its choosing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


def setup_storage(app):
    from widget.storage import database

    database.init_app(app)


def setup_i18n(app):
    from widget import i18n

    i18n.init_app(app)


def setup_security(app):
    from widget import security

    security.init_app(app)


def setup_views(app):
    from widget import api
    from widget import assets
    from widget import call
    from widget import errors
    from widget.embedding import views as embedding_views
    from widget.embedding.framing import parent_origins
    from widget.embedding.page import widget_url
    from widget.embedding.snippets import own_page_frame
    from widget.graphics import views as graphics_views
    from widget.organizers import dashboard
    from widget.petition import blueprint as petition_blueprint
    from widget.sharing import views as sharing_views

    assets.init_app(app)
    errors.init_app(app)
    app.jinja_env.globals.update(own_page_frame=own_page_frame, widget_url=widget_url, parent_origins=parent_origins)
    app.register_blueprint(petition_blueprint)
    app.register_blueprint(call.blueprint)
    app.register_blueprint(embedding_views.blueprint)
    app.register_blueprint(sharing_views.blueprint)
    app.register_blueprint(graphics_views.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(dashboard.blueprint)


def setup_limits(app):
    from widget.security import limits

    limits.init_app(app)


def setup_cli(app):
    from widget import cli

    cli.init_app(app)
