-- Daily limits and volumes per authority and agreement (shared with
-- migrations/sqlite/0006_daily_limits.sql). A member authority holds the agreement secret
-- and an API key: without limits it could submit thousands of fabricated open cases, or fire
-- national searches as a membership oracle. A real CME service opens tens of cases a week.
--   * `agreement_limits` holds what the operator set for an agreement (`pupilmatch admin
--     agreement limits`); a null column, or no row, means the hub's default (`serve
--     --cases-per-day`, `--searches-per-day`);
--   * `daily_usage` counts, per agreement, member authority and UTC day (`YYYY-MM-DD`), what
--     the member ran: open cases submitted, roll records submitted (never limited, but a roll
--     far larger than the member's real one is a probe of other members' open cases),
--     national searches, searches with a result, candidates proposed by matching its
--     submissions, refusals at a limit. The counters are
--     the limits' durable state (they survive a restart) and what every member's DPO sees on
--     `GET /v1/agreements/activity`. They are counts only: no record, reference or score.

create table agreement_limits (
    agreement_id     text primary key references agreements (id),
    cases_per_day    bigint check (cases_per_day >= 0),
    searches_per_day bigint check (searches_per_day >= 0),
    updated_at       text not null
);

create table daily_usage (
    agreement_id          text not null references agreements (id),
    authority_code        text not null references authorities (code),
    day                   text not null,
    cases                 bigint not null default 0,
    roll_records          bigint not null default 0,
    searches              bigint not null default 0,
    searches_with_results bigint not null default 0,
    candidates            bigint not null default 0,
    limit_hits            bigint not null default 0,
    primary key (agreement_id, day, authority_code)
);
