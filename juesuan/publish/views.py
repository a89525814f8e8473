"""SQL views published in both DuckDB and SQLite (portable SQL only), so a
journalist can rerun in one what the site shows in the other."""
from __future__ import annotations

VIEWS: dict[str, str] = {
    # every fact with the body, year and metric label beside it
    "facts_labelled": """
        SELECT f.fact_id, d.doc_id, e.name AS entity_name, e.county, e.division_code, d.fiscal_year,
               f.metric, m.label_zh, m.label_en, f.measure, f.value, f.unit, f.value_wan,
               f.function_code, f.function_name, f.base_metric, f.compared_year, f.flags, f.origin,
               f.quote, f.line, f.char_start, f.char_end
        FROM facts f
        JOIN documents d ON d.doc_id = f.doc_id
        JOIN entities e ON e.entity_id = d.entity_id
        JOIN metrics m ON m.metric = f.metric
    """,
    # income against expenditure per document (first statement of each)
    "income_vs_expenditure": """
        SELECT d.doc_id, e.name AS entity_name, d.fiscal_year,
               (SELECT f.value_wan FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = 'income_total'
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS income_total_wan,
               (SELECT f.value_wan FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = 'expenditure_total'
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS expenditure_total_wan,
               (SELECT f.value_wan FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = 'expenditure_basic'
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS basic_wan,
               (SELECT f.value_wan FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = 'expenditure_project'
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS project_wan
        FROM documents d JOIN entities e ON e.entity_id = d.entity_id
    """,
    # 三公经费 per document: budget, actual and parts (first statement of each)
    "three_public": """
        SELECT d.doc_id, e.name AS entity_name, d.fiscal_year, m.metric, m.label_zh, m.label_en,
               (SELECT f.value_wan FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = m.metric
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS amount_wan,
               (SELECT f.quote FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = m.metric
                  AND f.measure = 'amount' ORDER BY f.value_start LIMIT 1) AS quote
        FROM documents d JOIN entities e ON e.entity_id = d.entity_id
        CROSS JOIN metrics m
        WHERE m."group" = 'three_public' AND m.kind = 'money'
          AND EXISTS (SELECT 1 FROM facts f WHERE f.doc_id = d.doc_id AND f.metric = m.metric)
    """,
    # the same figure stated twice in one document with two different values
    "disagreements": """
        SELECT a.doc_id, a.metric, a.measure, a.function_code,
               a.value AS value_a, a.unit AS unit_a, a.quote AS quote_a, a.line AS line_a, a.fact_id AS fact_a,
               b.value AS value_b, b.unit AS unit_b, b.quote AS quote_b, b.line AS line_b, b.fact_id AS fact_b,
               c.difference, c.tolerance, c.unit, c.rule, c.check_id
        FROM checks c
        JOIN facts a ON a.fact_id = substr(c.facts, 1, instr(c.facts, ';') - 1)
        JOIN facts b ON b.fact_id = substr(c.facts, instr(c.facts, ';') + 1)
        WHERE c.rule IN ('same_figure_twice', 'label_conflict') AND c.outcome = 'fail'
    """,
    # where the numbers don't add up: every error finding, with the body, year and both sentences
    "where_numbers_dont_add_up": """
        SELECT f.finding_id, f.doc_id, e.name AS entity_name, d.fiscal_year, f.rule, f.family,
               f.explanation_zh, f.explanation_en, f.lhs, f.rhs, f.difference, f.tolerance, f.unit, f.checks,
               f.quote_a, f.line_a, f.quote_b, f.line_b, f.acknowledged, f.reason
        FROM findings f
        JOIN documents d ON d.doc_id = f.doc_id
        JOIN entities e ON e.entity_id = d.entity_id
        WHERE f.severity = 'error'
    """,
    # the Great Expectations gate: error checks whose finding nobody has acknowledged (must be empty)
    "unexplained_failures": """
        SELECT * FROM checks
        WHERE outcome = 'fail' AND severity = 'error'
          AND finding_id NOT IN (SELECT finding_id FROM findings WHERE acknowledged = 1)
    """,
}
