import Hummingbird
import NIOCore
import OrchardStorage

/// The site's one stylesheet, served under a name carrying its content hash so browsers may keep
/// it for a year (a new build changes the name).
enum Stylesheet {
    static let asset = Asset(css, contentType: "text/css; charset=utf-8")
    static var version: String { asset.version }

    static let css = """
        :root { color-scheme: light dark; --accent: #2f6f3e; --accent-text: #fff; --fg: #1b1f23; --muted: #59636e;
          --line: #d0d7de; --bg: #fff; --panel: #f6f8fa; --bad: #b42318; --good: #1a7f37; --warn: #9a6700;
          --radius: 8px; --gap: 1rem; }
        @media (prefers-color-scheme: dark) {
          :root { --accent: #5fb878; --accent-text: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d;
            --bg: #0d1117; --panel: #161b22; --bad: #ff7b72; --good: #56d364; --warn: #e3b341; } }
        * { box-sizing: border-box; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--fg);
          background: var(--bg); }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .topbar { border-bottom: 1px solid var(--line); }
        .topbar .inner, main, footer { max-width: 75rem; margin: 0 auto; padding: 0 var(--gap); }
        .topbar .inner { display: flex; gap: var(--gap); align-items: center; flex-wrap: wrap; min-height: 3.5rem; }
        .brand { font-weight: 700; font-size: 1.25rem; color: var(--accent); text-decoration: none; margin-right: auto; }
        .topbar nav { display: flex; gap: var(--gap); align-items: center; flex-wrap: wrap; }
        .topbar nav a { text-decoration: none; }
        .topbar form { margin: 0; }
        .who { color: var(--muted); }
        main { padding-top: 1.5rem; padding-bottom: 2rem; }
        footer { color: var(--muted); font-size: .875rem; padding-top: 1rem; padding-bottom: 1rem;
          border-top: 1px solid var(--line); }
        h1 { font-size: 1.6rem; margin: 0 0 1rem; }
        .narrow { max-width: 26rem; }
        .medium { max-width: 44rem; }
        select { max-width: 100%; }
        ol.activity { list-style: none; padding: 0; margin: 0 0 1rem; }
        ol.activity li { padding: .6rem 0; border-bottom: 1px solid var(--line); }
        ol.activity time { display: block; color: var(--muted); font-size: .875rem; }
        pre.mail-text { overflow-x: auto; background: var(--panel); padding: var(--gap); border-radius: var(--radius);
          font-size: .85rem; }
        table.switches td, table.switches th { padding: .3rem .5rem .3rem 0; }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: var(--gap);
          margin-bottom: var(--gap); }
        label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
        input[type=email], input[type=password], input[type=text], input[type=url] { width: 100%; padding: .55rem .65rem;
          font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
        select { font: inherit; padding: .45rem .55rem; color: inherit; background: var(--bg);
          border: 1px solid var(--line); border-radius: 6px; }
        input[aria-invalid=true] { border-color: var(--bad); }
        .hint { color: var(--muted); font-size: .875rem; margin: .25rem 0 0; }
        .field-error { color: var(--bad); font-size: .875rem; margin: .25rem 0 0; }
        [hidden] { display: none !important; }
        button, .button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent);
          background: var(--accent); color: var(--accent-text); cursor: pointer; text-decoration: none;
          display: inline-block; }
        button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }
        button.secondary { background: none; color: var(--accent); }
        .actions { display: flex; justify-content: space-between; align-items: center; margin-top: 1.25rem; gap: var(--gap); }
        .flash { border-radius: var(--radius); padding: .75rem var(--gap); margin-bottom: var(--gap);
          border: 1px solid var(--line); background: var(--panel); }
        .flash.error { border-color: var(--bad); }
        .flash.notice { border-color: var(--good); }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .secret { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all;
          background: var(--bg); border: 1px dashed var(--line); padding: .5rem; border-radius: 6px; }
        dl.status { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dl.status dt { font-weight: 600; }
        dl.status dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
        .ok { color: var(--good); } .problem { color: var(--bad); }
        .platforms { list-style: none; padding: 0; display: flex; gap: var(--gap); flex-wrap: wrap; }
        .platform { border: 1px solid var(--line); border-radius: var(--radius); padding: var(--gap); display: flex;
          flex-direction: column; align-items: flex-start; gap: .5rem; min-width: 16rem; flex: 1; }
        .badge { display: inline-block; border-radius: 999px; padding: 0 .6rem; font-size: .875rem; font-weight: 600;
          border: 1px solid currentColor; white-space: nowrap; }
        .badge.active { color: var(--good); } .badge.pending { color: var(--warn); }
        .badge.expired, .badge.removed { color: var(--bad); } .badge.muted { color: var(--muted); }
        .badge.active::before { content: "● "; } .badge.pending::before { content: "○ "; }
        .badge.expired::before, .badge.removed::before { content: "✕ "; }
        progress { width: 8rem; vertical-align: middle; accent-color: var(--accent); }
        .empty { border: 1px dashed var(--line); border-radius: var(--radius); padding: 1.5rem; text-align: center; }
        ol.steps { list-style: none; display: flex; gap: 1.25rem; padding: 0; margin: 0 0 1.25rem; flex-wrap: wrap; }
        ol.steps li { color: var(--muted); } ol.steps li.current { color: var(--fg); font-weight: 600; }
        ol.steps .number { display: inline-grid; place-items: center; width: 1.6rem; height: 1.6rem; border-radius: 50%;
          border: 1px solid currentColor; font-size: .875rem; }
        ol.steps li.current .number { background: var(--accent); color: var(--accent-text); border-color: var(--accent); }
        ol.steps li.done { color: var(--good); }
        fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: .5rem var(--gap); min-width: 0;
          margin: 0 0 var(--gap); }
        .choice { display: flex; gap: .6rem; align-items: baseline; margin: .5rem 0; }
        .choice label { display: inline; font-weight: 400; margin: 0; }
        .copyable { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
        .copyable code { font-size: 1.1rem; padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 6px; }
        button:disabled { opacity: .5; cursor: not-allowed; }
        details { margin: .75rem 0; } summary { cursor: pointer; color: var(--accent); }
        dialog.funnel-dialog { width: min(34rem, calc(100% - 2rem)); border: 1px solid var(--line);
          border-radius: var(--radius); padding: 1.5rem; background: var(--bg); color: var(--fg); }
        dialog.funnel-dialog::backdrop { background: rgb(0 0 0 / .45); }
        .dialog-close { float: right; }
        @media (max-width: 40rem) { table { display: block; overflow-x: auto; } }
        /* Lists that read as cards at phone width (Data Integration, an account's failures and history). */
        @media (max-width: 40rem) {
          table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
          table.cards { overflow: visible; }
          table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
          table.cards tr { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin: 0 0 .75rem; }
          table.cards td { border: 0; padding: .3rem 0; overflow-wrap: anywhere; }
          table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: .75rem;
            font-weight: 600; color: var(--muted); }
        }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        .actions form { margin: 0; }
        /* A table's actions cell stays a cell (a flex cell drew its own rule, out of line with the row's);
           its buttons are laid out inside it. At phone width the cards' rule above makes it a block. */
        td.actions { display: table-cell; }
        td.actions > div { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        /* Charts (Chart.swift): Okabe-Ito series colours through s0…s7; in the dark theme the dark blue and
           the black trade places with lighter ones so every series stands out against the background. */
        :root { --s0: #0072B2; --s1: #E69F00; --s2: #009E73; --s3: #CC79A7; --s4: #56B4E9; --s5: #D55E00;
          --s6: #F0E442; --s7: #000000; }
        @media (prefers-color-scheme: dark) { :root { --s0: #56B4E9; --s4: #0072B2; --s7: #e6edf3; } }
        :is(.chart, .chart-tip) .s0 { color: var(--s0); } :is(.chart, .chart-tip) .s1 { color: var(--s1); }
        :is(.chart, .chart-tip) .s2 { color: var(--s2); } :is(.chart, .chart-tip) .s3 { color: var(--s3); }
        :is(.chart, .chart-tip) .s4 { color: var(--s4); } :is(.chart, .chart-tip) .s5 { color: var(--s5); }
        :is(.chart, .chart-tip) .s6 { color: var(--s6); } :is(.chart, .chart-tip) .s7 { color: var(--s7); }
        svg.chart { display: block; width: 100%; height: auto; font-size: 12px; font-variant-numeric: tabular-nums; }
        .chart text { fill: var(--muted); } .chart .legend text { fill: var(--fg); }
        .chart .grid { stroke: var(--line); stroke-width: 1; } .chart .grid.zero { stroke: var(--muted); }
        .chart .line { fill: none; stroke: currentColor; stroke-width: 2; stroke-linejoin: round;
          stroke-linecap: round; }
        .chart .dot, .chart .bar, .chart .swatch { fill: currentColor; }
        .chart .hit { fill: transparent; }
        .chart .guide { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; pointer-events: none; }
        .chart-tip { position: absolute; z-index: 10; pointer-events: none; background: var(--bg); color: var(--fg);
          border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; font-size: .875rem;
          font-variant-numeric: tabular-nums; box-shadow: 0 2px 8px rgb(0 0 0 / .15); }
        .chart-tip-label { font-weight: 600; }
        .chart-tip-row { display: flex; gap: .5rem; align-items: center; }
        .chart-tip .value { margin-left: auto; padding-left: 1rem; }
        .chart-tip .swatch { width: .7rem; height: .7rem; border-radius: 2px; background: currentColor; }
        /* The dashboard: range line, presets and filters, cards with deltas, breakdown tables with share bars. */
        .range-line { color: var(--muted); margin: -.5rem 0 .75rem; }
        .picker { display: flex; flex-direction: column; gap: .5rem; margin-bottom: var(--gap); }
        .presets { display: flex; flex-wrap: wrap; gap: .25rem; }
        .presets a, .intervals a { padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 999px;
          text-decoration: none; font-size: .875rem; }
        .presets a[aria-current], .intervals a[aria-current] { background: var(--accent); color: var(--accent-text);
          border-color: var(--accent); }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-end; }
        /* Overview and Subscriptions: tabs above the page's title. */
        nav.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin-bottom: .75rem; }
        nav.tabs a { padding: .4rem .8rem; text-decoration: none; border-bottom: 2px solid transparent;
          margin-bottom: -1px; }
        nav.tabs a[aria-current] { border-bottom-color: var(--accent); font-weight: 600; }
        .subscriptions .card .info { text-decoration: none; color: var(--muted); }
        .subscriptions dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
        .subscriptions dt { font-weight: 600; }
        .subscriptions dd { margin: 0; }
        @media (max-width: 40rem) { .subscriptions dl { grid-template-columns: 1fr; } }
        form.filters .field label { margin: 0 0 .15rem; font-size: .8rem; color: var(--muted); }
        form.filters select, form.filters input[type=date] { font: inherit; font-size: .9rem; padding: .35rem .45rem;
          color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; max-width: 14rem; }
        form.filters .clear { align-self: center; font-size: .875rem; }
        .notice { border: 1px solid var(--line); border-left: 4px solid var(--warn); border-radius: var(--radius);
          padding: .6rem var(--gap); margin-bottom: var(--gap); background: var(--panel); }
        .notice.removed { border-left-color: var(--bad); }
        ul.cards { list-style: none; padding: 0; margin: 0 0 var(--gap); display: grid; gap: .6rem;
          grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); }
        .card > a, .card > .card-body { display: flex; flex-direction: column; gap: .2rem; height: 100%; padding: .75rem .9rem;
          border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); color: var(--fg);
          text-decoration: none; }
        .card.selected > a { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); }
        .card-name { color: var(--muted); font-size: .875rem; }
        .card .info { display: inline-grid; place-items: center; width: 1rem; height: 1rem; margin-left: .3rem;
          border: 1px solid currentColor; border-radius: 50%; font-size: .65rem; font-weight: 700; }
        .figure { font-size: 1.4rem; font-weight: 650; font-variant-numeric: tabular-nums; letter-spacing: -.01em;
          white-space: nowrap; }
        .num { font-variant-numeric: tabular-nums; }
        .delta { font-size: .8rem; font-weight: 600; } .delta.up { color: var(--good); }
        .delta.down { color: var(--bad); } .delta.flat { color: var(--muted); font-weight: 400; }
        .panel-head { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: .5rem; }
        .panel h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
        .intervals { display: flex; gap: .25rem; }
        .chart-panel .chart { position: relative; margin: .5rem 0; }
        .breakdowns { display: grid; gap: var(--gap); grid-template-columns: repeat(auto-fit, minmax(21rem, 1fr));
          margin-bottom: var(--gap); }
        .breakdowns .panel { margin: 0; padding: .75rem; } .breakdowns table { font-size: .875rem; }
        .breakdowns td, .breakdowns th { padding: .35rem .3rem; } .breakdowns td.share { white-space: nowrap; }
        progress.share { width: 3rem; height: .5rem; }
        .scroll { overflow-x: auto; }
        @media (max-width: 40rem) { .chart-panel .chart { overflow-x: auto; } svg.chart { min-width: 36rem; } }
        .exports { margin-top: var(--gap); font-size: .9rem; }
        ul.plain { list-style: none; padding: 0; text-align: left; display: inline-block; }
        ul.plain li { margin: .4rem 0; }
        """
}
