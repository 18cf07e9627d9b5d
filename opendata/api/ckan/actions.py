"""The read actions of CKAN's action API over the published catalog.

Each action is a function ``(ctx, data_dict) -> result`` registered under its CKAN name; its
docstring is what ``help_show`` returns, as in CKAN. ``datastore_search`` registers itself from
:mod:`opendata.api.ckan.datastore`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any

from opendata.api.ckan import params as p
from opendata.api.ckan.errors import NotFound
from opendata.api.ckan.mapping import organization_dict, package_dict
from opendata.api.ckan.search import package_search as search_packages
from opendata.limits import Limits
from opendata.read.catalogue import Published, naive_iso, published_datasets
from opendata.services import Services

#: The CKAN release whose API shapes we reproduce (reported by status_show: some harvesters
#: choose their code path by it).
CKAN_API_VERSION = "2.11.0"
ORG_LIST_MAX = 25  # organization_list with all_fields is capped, as in CKAN


@dataclass
class ActionContext:
    """What an action may use: the services, the absolute base URL, the app config."""

    services: Services
    base: str
    config: Mapping[str, Any]
    #: Where the call came in and its query string, for datastore_search's ``_links``.
    request_path: str = "/api/3/action"
    query_args: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def published(self) -> list[Published]:
        return published_datasets(self.services)

    @cached_property
    def packages(self) -> list[dict[str, Any]]:
        return [package_dict(pub, self.base, self.config) for pub in self.published]

    def package(self, id_or_name: str) -> dict[str, Any]:
        for pkg in self.packages:
            if id_or_name in (pkg["name"], pkg["id"]):
                return pkg
        raise NotFound("Dataset not found")


Action = Callable[[ActionContext, dict[str, Any]], Any]
#: Actions whose ``q`` is a full-text search of a row table (bounded in words too).
FULL_TEXT_ACTIONS = frozenset({"datastore_search"})
ACTIONS: dict[str, Action] = {}


def action(func: Action) -> Action:
    """Register ``func`` under its own name, behind the input bounds (``[limits]``)."""

    full_text = func.__name__ in FULL_TEXT_ACTIONS

    @wraps(func)
    def bounded(ctx: ActionContext, data: dict[str, Any]) -> Any:
        p.check_bounds(data, Limits.from_config(ctx.config), full_text=full_text)
        return func(ctx, data)

    ACTIONS[func.__name__] = bounded
    return func


@action
def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a dictionary with information about the site's configuration.

    :rtype: dictionary
    """
    return {
        "site_title": ctx.config.get("SITE_TITLE", ""),
        "site_description": ctx.config.get("SITE_DESCRIPTION", ""),
        "site_url": ctx.base,
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore", "dcat"],
        "ckan_version": CKAN_API_VERSION,
    }


@action
def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return a list of the names of the site's datasets (packages), ordered by name.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit``
        datasets per page and only one page will be returned at a time (optional)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int
    :rtype: list of strings
    """
    names = [pub.name for pub in ctx.published]
    limit = p.natural(data, "limit", len(names))
    offset = p.natural(data, "offset", 0)
    return names[offset : offset + limit]


@action
def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    :type id: string
    :rtype: dictionary
    """
    return ctx.package(p.required_text(data, "id", "name_or_id"))


@action
def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search for packages satisfying a given search criteria.

    Supports ``q`` (words, ``field:value``, ``field:"a phrase"``, ``field:(a OR b)``, ``-`` to
    exclude, ``*:*``), ``fq`` and ``fq_list`` on organization, tags, res_format, license_id,
    name and id, ``rows`` (at most 1000, default 10), ``start``, ``sort`` (score,
    metadata_modified, metadata_created, name, title, num_resources, num_tags; asc or desc),
    ``facet``, ``facet.field``, ``facet.limit``, ``facet.mincount`` and ``fl``.

    :rtype: dictionary with ``count``, ``results``, ``facets``, ``search_facets`` and ``sort``
    """
    return search_packages(ctx.packages, data)


@action
def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a resource.

    :param id: the id of the resource
    :type id: string
    :rtype: dictionary
    """
    rid = p.required_text(data, "id")
    for pkg in ctx.packages:
        for res in pkg["resources"]:
            if res["id"] == rid:
                return dict(res)
    raise NotFound("Resource was not found.")


def _organizations(ctx: ActionContext) -> list[dict[str, Any]]:
    by_publisher: dict[str, list[Published]] = {}
    for pub in ctx.published:
        by_publisher.setdefault(pub.publisher, []).append(pub)
    orgs = []
    for publisher, pubs in by_publisher.items():
        created = naive_iso(min(pub.created for pub in pubs))
        orgs.append(organization_dict(publisher, created, ctx.config, package_count=len(pubs)))
    return orgs


_ORG_SORTS = {"name": "name", "title": "title", "package_count": "package_count"}


@action
def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return a list of the names of the site's organizations (one per publisher).

    :param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc``
        (default ``title asc``)
    :param limit: the maximum number of organizations returned (all_fields: at most 25)
    :param offset: when ``limit`` is given, the offset to start from
    :param organizations: a list of names to restrict the answer to
    :param all_fields: return dictionaries instead of just names (default false)
    :rtype: list of strings or dictionaries
    """
    all_fields = p.boolean(data, "all_fields", False)
    orgs = _organizations(ctx)
    wanted = p.string_list(data, "organizations")
    if wanted is not None:
        orgs = [o for o in orgs if o["name"] in wanted]
    words = (p.text(data, "sort") or "title asc").split()
    key = _ORG_SORTS.get(words[0] if words else "title", "title")
    orgs.sort(key=lambda o: o[key], reverse=len(words) > 1 and words[1].lower() == "desc")
    default_limit = ORG_LIST_MAX if all_fields else len(orgs)
    limit = p.natural(data, "limit", default_limit, cap=ORG_LIST_MAX if all_fields else None)
    offset = p.natural(data, "offset", 0)
    page = orgs[offset : offset + limit]
    return page if all_fields else [o["name"] for o in page]


@action
def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the details of an organization (a publisher).

    :param id: the id or name of the organization
    :type id: string
    :param include_datasets: include a list of the organization's datasets (default false)
    :rtype: dictionary
    """
    wanted = p.required_text(data, "id")
    for org in _organizations(ctx):
        if wanted in (org["id"], org["name"]):
            if p.boolean(data, "include_datasets", False):
                org["packages"] = [
                    pkg for pkg in ctx.packages if pkg["organization"]["id"] == org["id"]
                ]
            org.update(users=[], groups=[], tags=[], extras=[])
            return org
    raise NotFound("Organization was not found.")


@action
def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return a list of the site's tags (from the datasets' keywords).

    :param query: a tag name query to search for, if given only tags whose names contain this
        string will be returned
    :type query: string
    :param all_fields: return full tag dictionaries instead of just names (default false)
    :rtype: list of strings or dictionaries
    """
    query = (p.text(data, "query") or "").lower()
    tags: dict[str, dict[str, Any]] = {}
    for pkg in ctx.packages:
        for tag in pkg["tags"]:
            if query in tag["name"].lower():
                tags[tag["name"]] = tag
    names = sorted(tags)
    if p.boolean(data, "all_fields", False):
        return [tags[n] for n in names]
    return names


@action
def help_show(ctx: ActionContext, data: dict[str, Any]) -> str | None:
    """Return the help string for a particular API action.

    :param name: Action function name (e.g. `package_create`, `package_search`)
    :type name: string
    :returns: The help string for the action function, or None if the function does not have
        a docstring.
    :rtype: string
    """
    name = p.required_text(data, "name")
    func = ACTIONS.get(name)
    if func is None:
        raise NotFound("Action function not found")
    return func.__doc__
