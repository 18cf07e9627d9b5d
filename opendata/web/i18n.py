"""The portal's fixed UI strings in Chinese and English, and how a request picks one.

Only the interface is translated: titles, descriptions and values stay exactly as published, so
that what a researcher reads on the page is what the downloaded files hold. Chinese is the
default; ``?lang=en`` (or ``?lang=zh``) wins over the browser's ``Accept-Language``.
"""

from __future__ import annotations

from flask import Request

LANGS = ("zh", "en")
DEFAULT = "zh"
#: The value of ``<html lang>`` for each UI language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

STRINGS: dict[str, dict[str, str]] = {
    "catalog": {"zh": "数据目录", "en": "Data catalogue"},
    "runs": {"zh": "更新记录", "en": "Refresh log"},
    "api_docs": {"zh": "API 文档", "en": "API docs"},
    "skip": {"zh": "跳到正文", "en": "Skip to content"},
    "language": {"zh": "语言", "en": "Language"},
    "search": {"zh": "搜索", "en": "Search"},
    "search_label": {"zh": "搜索数据集", "en": "Search datasets"},
    "search_placeholder": {
        "zh": "输入关键词，如 档案、预算、许可",
        "en": "Keywords, e.g. 档案 预算 许可",
    },
    "results_for": {"zh": "“{q}”的搜索结果：{n} 个数据集", "en": "{n} datasets match “{q}”"},
    "n_datasets": {"zh": "共 {n} 个数据集", "en": "{n} datasets"},
    "no_results": {"zh": "没有找到匹配的数据集。", "en": "No dataset matches."},
    "clear_filters": {"zh": "清除筛选", "en": "Clear filters"},
    "publishers": {"zh": "发布机构", "en": "Publishers"},
    "keywords": {"zh": "关键词", "en": "Keywords"},
    "publisher": {"zh": "发布机构", "en": "Publisher"},
    "resources": {"zh": "数据资源", "en": "Resources"},
    "last_updated": {"zh": "最近更新", "en": "Last updated"},
    "freshness": {"zh": "时效", "en": "Freshness"},
    "fresh": {"zh": "按时更新", "en": "Up to date"},
    "overdue": {"zh": "更新逾期", "en": "Overdue"},
    "never": {"zh": "尚未发布", "en": "Not yet published"},
    "unscheduled": {"zh": "不定期更新", "en": "Not scheduled"},
    "next_expected": {"zh": "下次预计更新", "en": "Next refresh expected"},
    "not_published": {"zh": "尚未发布任何版本。", "en": "No version has been published yet."},
    "license": {"zh": "许可协议", "en": "Licence"},
    "version": {"zh": "版本", "en": "Version"},
    "current": {"zh": "当前版本", "en": "current"},
    "schedule": {"zh": "更新周期（cron）", "en": "Schedule (cron)"},
    "versions": {"zh": "历史版本", "en": "Versions"},
    "created": {"zh": "发布时间", "en": "Published"},
    "rows": {"zh": "行数", "en": "Rows"},
    "size": {"zh": "大小", "en": "Size"},
    "data_dictionary": {"zh": "数据字典", "en": "Data dictionary"},
    "field_name": {"zh": "字段名", "en": "Field name"},
    "field_title": {"zh": "中文标题", "en": "Title (Chinese)"},
    "type": {"zh": "类型", "en": "Type"},
    "constraints": {"zh": "约束", "en": "Constraints"},
    "description": {"zh": "说明", "en": "Description"},
    "primary_key": {"zh": "主键", "en": "Primary key"},
    "foreign_keys": {"zh": "外键", "en": "Foreign keys"},
    "downloads": {"zh": "下载", "en": "Download"},
    "dl_csv": {"zh": "CSV（供程序读取）", "en": "CSV (for scripts)"},
    "dl_csv_excel": {"zh": "CSV（适用于 Excel）", "en": "CSV (for Excel)"},
    "dl_json": {"zh": "JSON", "en": "JSON"},
    "dl_xlsx": {"zh": "XLSX", "en": "XLSX"},
    "dl_zip": {"zh": "整个数据包（ZIP）", "en": "Whole package (ZIP)"},
    "datapackage": {"zh": "数据包描述（datapackage.json）", "en": "Descriptor (datapackage.json)"},
    "api": {"zh": "API 接口", "en": "API"},
    "api_rows": {"zh": "按条件查询（API）", "en": "Query rows (API)"},
    "preview": {
        "zh": "数据预览：{title}（前 {n} 行，共 {total} 行）",
        "en": "Preview: {title} (first {n} of {total} rows)",
    },
    "preview_empty": {"zh": "该资源没有数据行。", "en": "This resource has no rows."},
    "preview_missing": {"zh": "暂时无法读取预览。", "en": "The preview cannot be read right now."},
    "last_run_failed": {
        "zh": "最近一次更新失败（{time}）：{error}。页面显示的是上一个成功发布的版本。",
        "en": "The last refresh failed ({time}): {error}. "
        "This page shows the last published version.",
    },
    # A dataset with no version: there is no "last published version" to point to.
    "first_run_failed": {
        "zh": "尚未发布任何版本；最近一次更新失败（{time}）：{error}。",
        "en": "No version has been published yet; the last refresh failed ({time}): {error}.",
    },
    "status": {"zh": "状态", "en": "Status"},
    "dataset": {"zh": "数据集", "en": "Dataset"},
    "started": {"zh": "开始时间", "en": "Started"},
    "duration": {"zh": "耗时", "en": "Duration"},
    "trigger": {"zh": "触发方式", "en": "Trigger"},
    "withheld": {"zh": "未公开（不予发布）", "en": "Withheld"},
    "dropped_fields": {"zh": "删除的非公开字段", "en": "Private fields dropped"},
    "error": {"zh": "错误", "en": "Error"},
    "warnings": {"zh": "警告", "en": "Warnings"},
    "no_runs": {"zh": "还没有更新记录。", "en": "No refresh has run yet."},
    "all_datasets": {"zh": "全部数据集", "en": "All datasets"},
    "all_statuses": {"zh": "全部状态", "en": "All statuses"},
    "failures_only": {"zh": "只看失败", "en": "Failures only"},
    "run_details": {"zh": "运行详情（API）", "en": "Run details (API)"},
    "older_runs": {"zh": "更早的记录", "en": "Older runs"},
    "st_published": {"zh": "已发布", "en": "Published"},
    "st_unchanged": {"zh": "无变化", "en": "Unchanged"},
    "st_failed": {"zh": "失败", "en": "Failed"},
    "st_running": {"zh": "运行中", "en": "Running"},
    "st_busy": {"zh": "跳过（正在更新）", "en": "Skipped (busy)"},
    "not_found_title": {"zh": "未找到", "en": "Not found"},
    "not_found_dataset": {
        "zh": "没有名为“{name}”的数据集。请返回数据目录查找。",
        "en": "There is no dataset named “{name}”. Please look it up in the catalogue.",
    },
    "not_found_page": {"zh": "您访问的页面不存在。", "en": "This page does not exist."},
    "back_to_catalog": {"zh": "返回数据目录", "en": "Back to the catalogue"},
    "none": {"zh": "无", "en": "none"},
    "list_sep": {"zh": "；", "en": "; "},
    "colon": {"zh": "：", "en": ": "},
    "required": {"zh": "必填", "en": "required"},
    "unique": {"zh": "唯一", "en": "unique"},
    "enum": {"zh": "取值", "en": "one of"},
    "pattern": {"zh": "格式", "en": "pattern"},
    "pattern_like": {"zh": "格式如", "en": "looks like"},
    "minimum": {"zh": "最小值", "en": "minimum"},
    "maximum": {"zh": "最大值", "en": "maximum"},
    "minLength": {"zh": "最短", "en": "min length"},
    "maxLength": {"zh": "最长", "en": "max length"},
    # The annual report (政府信息公开工作年度报告) and its deadlines.
    "report_title": {
        "zh": "{year}年政府信息公开工作年度报告",
        "en": "Annual report on government information disclosure, {year}",
    },
    "report_lead": {
        "zh": "按{format}（{document}）由当前发布的数据生成。",
        "en": "Built from the currently published data in the format {format} ({document}).",
    },
    "report_hover": {
        "zh": "将鼠标停在表格中的数字上，可看到它来自哪个数据集、版本和筛选条件。",
        "en": "Hover over a figure in a table to see the dataset, version and filter it came from.",
    },
    "report_tables": {
        "zh": "在表格中浏览、筛选和下载本年度的报告数据",
        "en": "Browse, filter and download this year's report data as tables",
    },
    "dl_docx": {"zh": "Word 文档（DOCX）", "en": "Word (DOCX)"},
    "dl_pdf": {"zh": "PDF", "en": "PDF"},
    "dl_report_json": {"zh": "JSON（API）", "en": "JSON (API)"},
    "reports_heading": {"zh": "政府信息公开工作年度报告", "en": "Annual disclosure reports"},
    "report_year": {"zh": "年度", "en": "Year"},
    "report_due": {"zh": "应发布日期", "en": "Due"},
    "report_state": {"zh": "状态", "en": "Status"},
    "report_published": {"zh": "已发布", "en": "Published"},
    "report_pending": {"zh": "未发布", "en": "Not published"},
    "report_overdue": {"zh": "未发布（已逾期）", "en": "Not published (overdue)"},
    "report_view": {"zh": "查看报告", "en": "View report"},
    "report_has_errors": {
        "zh": "按当前数据生成的报告有 {n} 处错误，不予发布：",
        "en": "The report built from the current data has {n} errors and is not published:",
    },
    # The table view of a resource, its rows, charts, versions and changes.
    "table_view": {"zh": "浏览、筛选数据", "en": "Browse and filter"},
    "charts": {"zh": "图表", "en": "Charts"},
    "chart_noscript": {
        "zh": "图表需要 JavaScript；数据可在表格中查看：",
        "en": "Charts need JavaScript; the data are in the table:",
    },
    "filters": {"zh": "筛选", "en": "Filters"},
    "full_text": {"zh": "全文检索", "en": "Full-text search"},
    "all": {"zh": "全部", "en": "All"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
    "from": {"zh": "从", "en": "from"},
    "to": {"zh": "到", "en": "to"},
    "contains": {"zh": "包含", "en": "contains"},
    "apply_filters": {"zh": "筛选", "en": "Filter"},
    "apply": {"zh": "应用", "en": "Apply"},
    "rows_total": {"zh": "共 {n} 行", "en": "{n} rows"},
    "rows_at_least": {"zh": "至少 {n} 行", "en": "at least {n} rows"},
    "facets_skipped": {
        "zh": "全文检索匹配的行很多；加上筛选条件后显示各取值的行数。",
        "en": "The search matches many rows; counts per value appear once it is narrowed.",
    },
    "choose_columns": {"zh": "选择显示的列", "en": "Choose columns"},
    "page_size": {"zh": "每页行数", "en": "Rows per page"},
    "download_view": {"zh": "下载当前结果", "en": "Download this view"},
    "no_rows": {"zh": "没有符合条件的行。", "en": "No row matches."},
    "row_detail": {"zh": "查看这一行", "en": "Show this row"},
    "pages": {"zh": "翻页", "en": "Pages"},
    "first_page": {"zh": "回到第一页", "en": "First page"},
    "next_page": {"zh": "下一页", "en": "Next page"},
    "last_page": {"zh": "已是最后一页", "en": "Last page"},
    "row_n": {"zh": "第 {n} 行", "en": "row {n}"},
    "value": {"zh": "值", "en": "Value"},
    "back_to_table": {"zh": "返回表格", "en": "Back to the table"},
    "version_title": {"zh": "版本 {id}", "en": "Version {id}"},
    "version_downloads": {"zh": "本版本的下载", "en": "Downloads of this version"},
    "changes": {"zh": "与上一版本相比的变化", "en": "What changed since the previous version"},
    "changes_between": {
        "zh": "{resource}：版本 {old} → {new} 的变化",
        "en": "{resource}: changes from {old} to {new}",
    },
    "compare_with": {"zh": "比较的版本", "en": "Compare with"},
    "ch_added": {"zh": "新增", "en": "Added"},
    "ch_changed": {"zh": "修改", "en": "Changed"},
    "ch_removed": {"zh": "删除", "en": "Removed"},
    "kind": {"zh": "变化", "en": "Change"},
    "no_changes": {
        "zh": "这两个版本之间没有变化。",
        "en": "Nothing changed between these versions.",
    },
    "more_changes": {"zh": "更多变化", "en": "More changes"},
    "no_primary_key": {
        "zh": "该资源没有主键，无法逐行比较；请下载两个版本比较。",
        "en": "This resource has no primary key, so rows cannot be matched; "
        "download both versions instead.",
    },
    "fields_added": {"zh": "新增字段", "en": "Fields added"},
    "fields_removed": {"zh": "删除字段", "en": "Fields removed"},
    "view_changes": {"zh": "查看变化", "en": "What changed"},
    "footer": {
        "zh": "数据以 Frictionless Data Package 格式发布，每个版本发布后不再改动。",
        "en": "Data are published as Frictionless Data Packages; "
        "a published version never changes.",
    },
}


def negotiate(request: Request) -> tuple[str, bool]:
    """The UI language for ``request`` and whether the client chose it with ``?lang=``.

    An explicit choice is carried on the portal's own links, so that it survives navigation
    without a cookie (pages stay cacheable per URL).
    """
    asked = request.args.get("lang", "").lower()
    if asked in LANGS:
        return asked, True
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default=DEFAULT)
    return ("en" if best.lower().startswith("en") else "zh"), False


def translate(lang: str, key: str, **values: object) -> str:
    """The UI string ``key`` in ``lang`` with ``{placeholders}`` filled."""
    text = STRINGS[key].get(lang) or STRINGS[key][DEFAULT]
    return text.format(**values) if values else text
