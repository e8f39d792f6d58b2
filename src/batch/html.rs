//! `index.html`: one self-contained page (no network) listing every video of a batch.

use std::fmt::Write;

use super::Row;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "red" => 3,
        "amber" => 2,
        "green" => 1,
        _ => 0,
    }
}

/// The page; `thumbs[i]` is row `i`'s thumbnail JPEG, embedded as a data URI.
pub fn index_html(rows: &[Row], title: &str, thumbs: &[Option<Vec<u8>>]) -> String {
    let mut s = String::new();
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    let _ = write!(
        s,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}
table{{border-collapse:collapse;width:100%}}
th,td{{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left}}
th{{cursor:pointer;background:#f4f4f4;user-select:none}}
th:after{{content:" \2195";color:#aaa}}
td.num{{text-align:right}}
.sev{{padding:.1em .5em;border-radius:.6em;color:#fff}}
.sev-red{{background:#c62828}}.sev-amber{{background:#e08a00}}.sev-green{{background:#2e7d32}}
tr.failed td{{color:#a00}}
td.thumb img{{height:80px;width:auto;border-radius:4px;display:block}}
@media (max-width:700px){{table,thead,tbody,tr,td{{display:block}}thead{{display:none}}tr{{border-bottom:2px solid #ccc;padding:.4em 0}}td{{border:none;padding:.15em .3em}}}}
@media print{{th:after{{content:""}}a{{color:#000;text-decoration:none}}}}
</style></head><body>
<h1>{t}</h1>
<p>{n} videos, {ok} analysed, {sk} up to date (skipped), {failed} failed. Click a column header to sort.</p>
<table id="videos"><thead><tr>
<th></th><th>Patient</th><th>Date</th><th>Video</th><th>Status</th><th>Exercise</th><th>Phase</th><th>Reps</th>
<th>Worst flag</th><th>Peak hip flexion °</th><th>Cap °</th><th>Typical tempo</th><th>Report</th>
</tr></thead><tbody>
"#,
        t = esc(title),
        n = rows.len(),
        ok = rows.iter().filter(|r| r.status == "ok").count(),
        sk = rows.iter().filter(|r| r.status == "skipped").count(),
    );
    for (i, r) in rows.iter().enumerate() {
        let thumb = match thumbs.get(i).and_then(|t| t.as_deref()) {
            Some(jpeg) => format!(
                r#"<img src="data:image/jpeg;base64,{}" alt="">"#,
                crate::report::html::base64(jpeg)
            ),
            None => String::new(),
        };
        let name = std::path::Path::new(&r.video)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| r.video.clone());
        let sev = if r.worst_severity.is_empty() {
            String::new()
        } else {
            format!(
                r#"<span class="sev sev-{c}">{c}</span>"#,
                c = esc(&r.worst_severity)
            )
        };
        let link = if r.report.is_empty() {
            esc(&r.error)
        } else {
            format!(r#"<a href="{}">report</a>"#, esc(&r.report))
        };
        let _ = writeln!(
            s,
            r#"<tr class="{st}"><td class="thumb">{thumb}</td><td>{p}</td><td>{date}</td><td title="{vf}">{v}</td><td>{st}</td><td>{ex}</td><td class="num">{ph}</td><td class="num">{reps}</td><td data-sort="{rank}">{sev}</td><td class="num">{peak}</td><td class="num">{cap}</td><td>{tempo}</td><td>{link}</td></tr>"#,
            st = esc(&r.status),
            p = esc(&r.patient),
            date = esc(&r.date),
            vf = esc(&r.video),
            v = esc(&name),
            ex = esc(&r.exercise),
            ph = esc(&r.phase),
            reps = esc(&r.reps),
            rank = sev_rank(&r.worst_severity),
            peak = esc(&r.peak_hip_flexion_deg),
            cap = esc(&r.cap_deg),
            tempo = esc(&r.typical_tempo),
        );
    }
    s.push_str("</tbody></table>\n");
    if failed > 0 {
        s.push_str("<h2>Failed videos</h2>\n<ul>\n");
        for r in rows.iter().filter(|r| r.status == "failed") {
            let _ = writeln!(s, "<li><b>{}</b>: {}</li>", esc(&r.video), esc(&r.error));
        }
        s.push_str("</ul>\n");
    }
    s.push_str(
        r#"<script>
document.querySelectorAll('#videos th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var tb = th.closest('table').tBodies[0], rows = Array.from(tb.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
    var key = function(r){ var c = r.cells[col]; return c.dataset.sort || c.textContent.trim(); };
    rows.sort(function(a, b){
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
      return x.localeCompare(y) * dir;
    });
    rows.forEach(function(r){ tb.appendChild(r); });
  });
});
</script>
</body></html>
"#,
    );
    s
}
