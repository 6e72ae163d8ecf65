"""Documents as PDF: a Django template rendered by WeasyPrint, offline, A4, in the requested language.

The template extends ``web/pdf/base.html``, which links the print stylesheet
(``leitplanke/print.css``) and puts the document's title and date in every page's footer next to the
page number. Fonts come from the system (Debian's ``fonts-dejavu-core``, found through fontconfig).

Nothing is fetched from the network: the URL fetcher serves the app's own static files, read from
disk through Django's static file finders, and refuses every other address (other hosts, ``file:``,
``data:``), so user text that looks like an image or a stylesheet cannot make the server call out or
read a file.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

#: The address the document's relative links resolve against; only the fetcher below reads it.
BASE_URL = "http://leitplanke.invalid/"
CONTENT_TYPE = "application/pdf"
STYLESHEET = "leitplanke/print.css"


def static_file_for(url: str) -> Path:
    """The file on disk of a ``BASE_URL`` + ``STATIC_URL`` address; ``ValueError`` for every other address."""
    prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix):
        raise ValueError(f"refused (no network in PDF rendering): {url}")
    relative = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    if ".." in Path(relative).parts:
        raise ValueError(f"refused: {url}")
    found = finders.find(relative)
    if not found or isinstance(found, list):
        raise ValueError(f"no such static file: {url}")
    return Path(found)


def _static_files_only() -> Any:
    """WeasyPrint's URL fetcher that reads :func:`static_file_for` and nothing else.

    WeasyPrint is imported here, not at the top: it takes about two seconds to import, which every
    process that loads the URLs (server, commands, tests) would pay without ever rendering a PDF.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file_for(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticFilesOnly()


def pdf_language(requested: str | None) -> str:
    """``requested`` if it is one of the site's languages, else the active language (else the default)."""
    languages = dict(settings.LANGUAGES)
    if requested in languages:
        return str(requested)
    active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return active if active in languages else settings.LANGUAGE_CODE


def render_pdf(
    template_name: str, context: dict[str, Any], *, title: str, language: str, date: dt.date | None = None
) -> bytes:
    """``template_name`` rendered with ``context`` as PDF bytes, in ``language``.

    ``title`` and ``date`` (default: today) go into the footer of every page and the PDF's metadata.
    """
    from weasyprint import HTML  # see _static_files_only

    with translation.override(language):
        html = render_to_string(
            template_name,
            {
                **context,
                "document_title": title,
                "document_date": date or timezone.localdate(),
                "document_language": language,
                # not {% static %}: in production that names the hashed copy, which the finders do not know
                "document_stylesheet": BASE_URL + settings.STATIC_URL.lstrip("/") + STYLESHEET,
            },
        )
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=_static_files_only(), media_type="print")
        return bytes(document.write_pdf())
