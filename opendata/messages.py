"""Error messages in English and Chinese (zh-CN), by stable error code.

Every protocol reports a cause by the same code (``unknown_field``, ``invalid_value`` …); this
catalogue says it in the reader's language. :func:`message` fills a code's template from the
error's details (``field``, ``value``, ``allowed`` …): each code has templates from the most
specific to a generic one, and the first whose placeholders the details all supply is used, so
a message never shows a ``{placeholder}`` or a ``None``. :func:`negotiate` picks the language
from an ``Accept-Language`` header. No Flask here: the native API, the portal and the CLI share it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any, Literal

Lang = Literal["en", "zh-CN"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN")

# code → ((English, Chinese), …), most specific first; the last pair needs no details.
CATALOGUE: dict[str, tuple[tuple[str, str], ...]] = {
    "bad_request": (("the request is malformed", "请求格式不正确"),),
    "unauthorized": (
        (
            "this endpoint needs a valid API token: Authorization: Bearer <token>",
            "此接口需要有效的 API 令牌：Authorization: Bearer <令牌>",
        ),
    ),
    "forbidden": (("this token may not do that", "此令牌无权执行该操作"),),
    "not_found": (
        ("no such API path: {path}", "没有这个 API 路径：{path}；路径列表见 /api/v1/docs"),
        ("not found", "未找到"),
    ),
    "method_not_allowed": (
        ("method not allowed; allowed: {allowed}", "不允许此请求方法；允许：{allowed}"),
        ("method not allowed", "不允许此请求方法"),
    ),
    "not_acceptable": (("no acceptable representation", "无法提供可接受的响应格式"),),
    "conflict": (("the request conflicts with the current state", "请求与当前状态冲突"),),
    "too_large": (("the request body is too large", "请求体过大"),),
    "uri_too_long": (("the request URL is too long", "请求的网址过长"),),
    "unsupported_media_type": (("unsupported request body type", "不支持的请求体类型"),),
    "range_not_satisfiable": (("the requested range cannot be served", "无法提供所请求的范围"),),
    "unprocessable": (
        ("the request body's values are not valid: {fields}", "请求体的取值无效：{fields}"),
        ("the request body's values are not valid", "请求体的取值无效"),
    ),
    "too_many_requests": (("too many requests; retry later", "请求过于频繁，请稍后重试"),),
    "headers_too_large": (("the request headers are too large", "请求头过大"),),
    "internal_error": (
        (
            "the server failed to answer this request; it has been logged",
            "服务器未能处理此请求，已记录在日志中",
        ),
    ),
    "unavailable": (
        ("the data changed during this request; retry", "数据在请求期间发生变化，请重试"),
    ),
    "error": (("the request failed", "请求失败"),),
    "invalid_parameter": (
        ("invalid parameters: {parameters}", "参数无效：{parameters}"),
        ("invalid parameter {parameter}", "参数 {parameter} 无效"),
        ("invalid parameter", "参数无效"),
    ),
    "unknown_parameter": (
        (
            "unknown query parameter {parameter}; this endpoint takes: {allowed}",
            "未知的查询参数 {parameter}；此接口接受：{allowed}",
        ),
        ("unknown query parameter {parameter}", "未知的查询参数 {parameter}"),
        ("unknown query parameter", "未知的查询参数"),
    ),
    "missing_parameter": (
        ("parameter {parameter} is required: {allowed}", "缺少参数 {parameter}，可选：{allowed}"),
        ("parameter {parameter} is required", "缺少参数 {parameter}"),
        ("a required parameter is missing", "缺少必需的参数"),
    ),
    "invalid_dataset_name": (
        (
            "dataset name {dataset} is not valid: lower-case letters, digits and underscores",
            "数据集名称 {dataset} 无效：只能使用小写字母、数字和下划线，以字母开头",
        ),
        ("the dataset name is not valid", "数据集名称无效"),
    ),
    "invalid_resource_name": (
        (
            "resource name {resource} is not valid: lower-case letters, digits and underscores",
            "资源名称 {resource} 无效：只能使用小写字母、数字和下划线，以字母开头",
        ),
        ("the resource name is not valid", "资源名称无效"),
    ),
    "invalid_version": (
        ("{version} is not a version id", "{version} 不是有效的版本号"),
        ("not a version id", "版本号无效"),
    ),
    "unknown_dataset": (
        ("no dataset named {dataset}", "没有名为 {dataset} 的数据集"),
        ("no such dataset", "没有这个数据集"),
    ),
    "unknown_resource": (
        ("dataset {dataset} has no resource {resource}", "数据集 {dataset} 没有资源 {resource}"),
        ("no such resource", "没有这个资源"),
    ),
    "unknown_version": (
        (
            "version {version} of dataset {dataset} is not kept",
            "数据集 {dataset} 没有保留版本 {version}",
        ),
        ("a version of dataset {dataset} is no longer kept", "数据集 {dataset} 的该版本已不再保留"),
        ("no such version", "没有这个版本"),
    ),
    "not_published": (
        (
            "dataset {dataset} has no published version yet; see /api/v1/runs?dataset={dataset}",
            "数据集 {dataset} 尚未发布任何版本；运行记录见 /api/v1/runs?dataset={dataset}",
        ),
        ("the dataset has no published version yet", "该数据集尚未发布任何版本"),
    ),
    "unknown_run": (
        ("no run with id {run}", "没有编号为 {run} 的运行记录"),
        ("no such run", "没有这个运行记录"),
    ),
    "unknown_report_year": (
        ("no published data for an annual report on {year}", "没有 {year} 年度报告的已发布数据"),
        ("no such report year", "没有这个年度的报告"),
    ),
    "too_many_rows": (
        (
            "too many rows for this format in resource {resource}; download the CSV instead",
            "资源 {resource} 的行数超出此格式的上限，请改为下载 CSV",
        ),
        (
            "too many rows for this format; download the CSV instead",
            "行数超出此格式的上限，请改为下载 CSV",
        ),
    ),
    "unknown_field": (
        (
            "unknown field {field} in parameter {parameter}; fields are: {allowed}",
            "参数 {parameter} 中的字段 {field} 不存在；可用字段：{allowed}",
        ),
        ("unknown field {field}", "字段 {field} 不存在"),
        ("unknown field", "字段不存在"),
    ),
    "unknown_operator": (
        (
            "unknown operator {operator} in parameter {parameter}; operators are: {allowed}",
            "参数 {parameter} 中的运算符 {operator} 不存在；可用运算符：{allowed}",
        ),
        ("unknown operator in parameter {parameter}", "参数 {parameter} 中的运算符不存在"),
        ("unknown operator", "运算符不存在"),
    ),
    "invalid_value": (
        (
            "value {value} is not allowed for field {field}; allowed values: {allowed}",
            "字段 {field} 不接受取值 {value}；可选取值：{allowed}",
        ),
        ("value {value} for field {field} is not valid", "字段 {field} 的取值 {value} 无效"),
        ("invalid value in parameter {parameter}", "参数 {parameter} 的取值无效"),
        ("invalid value", "取值无效"),
    ),
    "invalid_query": (
        ("parameter {parameter} cannot be answered as given", "无法按给定的参数 {parameter} 查询"),
        ("the query cannot be answered as given", "无法按给定条件查询"),
    ),
    "invalid_token": (
        (
            "the _next token is not valid; start again from the first page",
            "翻页标记 _next 无效，请从第一页重新开始",
        ),
    ),
    "too_long": (
        ("parameter {parameter} is too long", "参数 {parameter} 过长"),
        ("a parameter is too long", "参数过长"),
    ),
    "too_slow": (
        (
            "the search took too long and was stopped; narrow it with a filter on a "
            "filterable field or search whole words with q",
            "查询耗时过长，已停止；请按可筛选字段筛选，或用 q 按整词搜索",
        ),
    ),
}


#: marshmallow's and webargs' validation texts (``details.parameters`` of invalid_parameter)
#: in Chinese; a text not listed stays as it is.
_VALIDATION_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^Not a valid integer\.$", "不是有效的整数"),
        (r"^Not a valid number\.$", "不是有效的数字"),
        (r"^Not a valid boolean\.$", "不是有效的布尔值（true 或 false）"),
        (r"^Not a valid string\.$", "不是有效的文本"),
        (r"^Not a valid date\.$", "不是有效的日期（YYYY-MM-DD）"),
        (r"^Unknown field\.$", "未知参数"),
        (r"^Missing data for required field\.$", "缺少必填参数"),
        (r"^Must be one of: (.*)\.$", r"必须是以下之一：\1"),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
            r"必须在 \1 到 \2 之间",
        ),
        (r"^Must be greater than or equal to (\S+)\.$", r"必须大于或等于 \1"),
        (r"^Longer than maximum length (\d+)\.$", r"长度超过上限 \1"),
        (r"^String does not match expected pattern\.$", "格式不符合要求"),
    )
)


def validation_text(text: str, lang: Lang) -> str:
    """A marshmallow validation message in ``lang`` (English as given)."""
    if lang != "zh-CN":
        return text
    for pattern, replacement in _VALIDATION_ZH:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def negotiate(accept_language: str | None, default: Lang = "en") -> Lang:
    """The language an ``Accept-Language`` header prefers among :data:`LANGS`.

    ``zh``, ``zh-CN``, ``zh-Hans`` … (any Chinese) read as zh-CN, the only Chinese we write;
    ``en-*`` as English; ``*``, an absent or unreadable header, or only other languages give
    ``default``. Ties in quality keep the header's order.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary == "zh":
            return "zh-CN"
        if primary == "en":
            return "en"
        if primary == "*":
            return default
    return default


def _text(value: Any, lang: Lang) -> str:
    if isinstance(value, Mapping):
        sep = "；" if lang == "zh-CN" else "; "
        colon = "：" if lang == "zh-CN" else ": "
        return sep.join(
            f"{k}{colon}{validation_text(_text(v, lang), lang)}" for k, v in value.items()
        )
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return ("、" if lang == "zh-CN" else ", ").join(_text(v, lang) for v in value)
    return str(value)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message(code: str, lang: Lang, **params: Any) -> str:
    """The message for ``code`` in ``lang``, filled from ``params`` (an error's details).

    An unknown code gives the generic "the request failed" in that language: a new code raised
    somewhere still answers in the reader's language until it is added here.
    """
    given = {k: _text(v, lang) for k, v in params.items() if v is not None and v != ""}
    column = 1 if lang == "zh-CN" else 0
    for pair in CATALOGUE.get(code, CATALOGUE["error"]):
        template = pair[column]
        if _placeholders(template) <= given.keys():
            return template.format_map(given)
    return CATALOGUE["error"][0][column]
