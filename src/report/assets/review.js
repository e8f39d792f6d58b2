// The review player of report.html: the plot cursor follows the video, clicks on the
// plot, a rep row, a flag or a keyframe seek the video there, and keys step frames
// (, . or arrows) and reps ([ ] or Page Up/Down). Offline: no request but the video
// file next to the page. Its state is written into #review's data attributes.
(function () {
  "use strict";
  var review = document.getElementById("review");
  var video = document.getElementById("player");
  var data = JSON.parse(document.getElementById("timeline").textContent);
  var frames = data.frames, fps = data.fps, n = frames.length;
  var svg = document.querySelector("svg.hipflex-plot");
  var cursor = null;
  function num(el, k) { return parseFloat(el.getAttribute(k)); }
  if (svg) {
    cursor = document.createElementNS(svg.namespaceURI, "line");
    cursor.setAttribute("class", "plot-cursor");
    cursor.setAttribute("y1", svg.getAttribute("data-y0"));
    cursor.setAttribute("y2", svg.getAttribute("data-y1"));
    cursor.setAttribute("stroke", "#0f172a");
    cursor.setAttribute("stroke-width", "2");
    svg.appendChild(cursor);
  }
  function plotX(t) {
    var t1 = num(svg, "data-t1"), x0 = num(svg, "data-x0"), x1 = num(svg, "data-x1");
    return x0 + Math.max(0, Math.min(t, t1)) / t1 * (x1 - x0);
  }
  function frameAt(time) {
    return Math.max(0, Math.min(n - 1, Math.floor(time * fps + 1e-6)));
  }
  function nearestFrame(t) {
    var best = 0;
    for (var i = 1; i < n; i++) {
      if (Math.abs(frames[i][0] - t) < Math.abs(frames[best][0] - t)) best = i;
    }
    return best;
  }
  function show(id, text) { document.getElementById(id).textContent = text; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.reps tr[data-t]"));
  function update() {
    if (!n) return;
    var i = frameAt(video.currentTime), f = frames[i];
    show("now-time", f[0].toFixed(2) + " s");
    show("now-frame", String(i + 1) + " / " + n);
    show("now-rep", f[1] === null ? "–" : (f[1] === 0 ? "partial" : String(f[1])));
    show("now-phase", f[2] === null ? "–" : f[2]);
    show("now-hip", f[3] === null ? "–" : f[3].toFixed(0) + "°");
    rows.forEach(function (r) {
      var on = f[0] >= num(r, "data-t") && f[0] <= num(r, "data-end");
      r.classList.toggle("current", on);
    });
    review.setAttribute("data-frame", String(i));
    review.setAttribute("data-time", f[0].toFixed(3));
    if (cursor) {
      var x = plotX(f[0]).toFixed(1);
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
      review.setAttribute("data-cursor-x", x);
    }
  }
  function seekFrame(i) {
    i = Math.max(0, Math.min(n - 1, i));
    video.currentTime = (i + 0.5) / fps;
    update();
  }
  // A rep's start is often the previous rep's end, whose last frame is then the nearest:
  // the rep's first frame is the next one.
  function repStartFrame(t) {
    var i = nearestFrame(t);
    if (i + 1 < n && frames[i + 1][1] !== null && frames[i + 1][1] !== frames[i][1]) i++;
    return i;
  }
  function isRepStart(t) {
    return data.reps.some(function (s) { return Math.abs(s - t) < 1e-3; });
  }
  function seekTime(t) { seekFrame(isRepStart(t) ? repStartFrame(t) : nearestFrame(t)); }
  // A rep's first frame (its start may be shared with the previous rep's end).
  function seekRep(number, t) {
    for (var i = 0; i < n; i++) if (frames[i][1] === number) return seekFrame(i);
    seekTime(t);
  }
  function step(d) { video.pause(); seekFrame(frameAt(video.currentTime) + d); }
  function jumpRep(d) {
    var now = frameAt(video.currentTime), starts = data.reps;
    var target = null;
    for (var k = 0; k < starts.length; k++) {
      var s = repStartFrame(starts[d > 0 ? k : starts.length - 1 - k]);
      if (d > 0 ? s > now : s < now) { target = s; break; }
    }
    if (target !== null) { video.pause(); seekFrame(target); }
  }
  function videoReady() {
    review.setAttribute("data-video", "ready");
    update();
  }
  function videoMissing() {
    review.setAttribute("data-video", "missing");
    document.getElementById("player-box").hidden = true;
    document.getElementById("video-missing").hidden = false;
  }
  video.addEventListener("loadedmetadata", videoReady);
  video.addEventListener("error", videoMissing);
  // The events may have fired before this script ran (a cached or local file).
  if (video.error) videoMissing();
  else if (video.readyState >= 1) videoReady();
  ["timeupdate", "seeked", "play", "pause"].forEach(function (e) {
    video.addEventListener(e, update);
  });
  (function tick() {
    if (!video.paused) update();
    window.requestAnimationFrame(tick);
  })();
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-t]");
    if (el && !el.closest("svg")) {
      if (el.hasAttribute("data-rep")) seekRep(parseInt(el.getAttribute("data-rep"), 10), num(el, "data-t"));
      else seekTime(num(el, "data-t"));
      return;
    }
    if (svg && e.target.closest("svg.hipflex-plot")) {
      var p = svg.createSVGPoint();
      p.x = e.clientX; p.y = e.clientY;
      var q = p.matrixTransform(svg.getScreenCTM().inverse());
      var x0 = num(svg, "data-x0"), x1 = num(svg, "data-x1");
      if (q.x >= x0 && q.x <= x1) seekTime((q.x - x0) / (x1 - x0) * num(svg, "data-t1"));
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "," || k === "ArrowLeft") step(-1);
    else if (k === "." || k === "ArrowRight") step(1);
    else if (k === "[" || k === "PageUp") jumpRep(-1);
    else if (k === "]" || k === "PageDown") jumpRep(1);
    else return;
    e.preventDefault();
  });
  review.setAttribute("data-script", "running");
})();
