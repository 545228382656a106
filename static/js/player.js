// The player (playback/player.html, playback/share.html): plays a task's files as one timeline.
// - MP4/audio play natively; HLS through hls.js (the browser's own HLS where MSE is missing).
// - Presigned URLs are renewed before they expire (data-urls answers fresh ones), so a long
//   review is never cut off; a media error renews at once and resumes where it was.
// - Per-stream files follow the first one, offset by their begin timestamps (data-offset).
// - Chapter buttons (data-seek, seconds on the task's timeline) jump there.
// - A live track (data-live: a playlist still growing, on the task page) plays near its end.
// - A fatal HLS error is retried a few times with growing pauses, then shown on the track.
// - Speaker activity (data-activity: volumes per second from ZEGO's .sw file) is drawn as a
//   lane per stream under the video; clicking a lane seeks there.
// - A new share link is copied to the clipboard where the browser allows it, else selected.
// No inline handlers or styles anywhere (CSP).
(function () {
  "use strict";

  // Copy a new share link: to the clipboard where the browser lets the page write to it (a secure
  // context: https or localhost), else the link is selected and the person told to copy it.
  function copyLink(button) {
    const input = document.querySelector(button.dataset.copy);
    const state = document.querySelector(button.dataset.copyState);
    if (!input) return;
    const say = (text) => { if (state) state.textContent = text; };
    const copied = () => {
      button.textContent = "Copied";
      say("Copied to the clipboard.");
    };
    const selectIt = () => {
      input.focus();
      input.select();
      say("This browser does not let the page copy here: the link is selected, press Ctrl+C (⌘C on a Mac).");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(copied, selectIt);
      return;
    }
    input.select();
    let done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    if (done) copied(); else selectIt();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (button) copyLink(button);
  });

  // A new share link lands with an HTMX swap: copy it at once (the click that made it may still
  // count as the gesture a clipboard write needs; if not, it is selected with a word on how).
  document.body.addEventListener("htmx:afterSwap", () => {
    const button = document.querySelector(".new-link [data-copy]:not([data-auto-copied])");
    if (!button) return;
    button.dataset.autoCopied = "true";
    copyLink(button);
  });

  // The player page has one (#player); the task page's live view arrives later by an HTMX swap.
  function setUpPlayer(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "true";

    const ttlMs = (parseInt(root.dataset.ttl, 10) || 300) * 1000;
    const bufferSeconds = parseInt(root.dataset.hlsBuffer, 10) || 30;
    let expiresAt = parseInt(root.dataset.expiresAt, 10) || Date.now() + ttlMs;
    let renewTimer = null;
    let lastErrorRenewal = 0;
    root.dataset.renewals = "0";

    const tracks = Array.from(root.querySelectorAll(".track")).map((figure) => ({
      figure,
      el: figure.querySelector("video, audio"),
      file: figure.dataset.file,
      kind: figure.dataset.kind,
      offset: parseFloat(figure.dataset.offset) || 0,
      hls: null,
      swapping: false,
    }));
    if (!tracks.length) return;
    const lead = tracks[0];

    function setState(track, text) {
      const state = track.figure.querySelector(".track-state");
      if (state && state.textContent !== text) state.textContent = text;
    }

    // ---------------------------------------------------------------------------- HLS
    // hls.js wherever Media Source Extensions exist; the browser's own HLS only where they do not
    // (iPhone Safari). Chromium 15x answers canPlayType("application/vnd.apple.mpegurl") with
    // "maybe" yet fails on these playlists (MEDIA_ERR_SRC_NOT_SUPPORTED), so it is not asked first.
    // A fatal hls.js error is retried after 1, 2, 4, 8, 16 s (a 404 or a login page answering
    // every request must not become a request storm), then left to the person, said in words.
    const HLS_RETRIES = 5;
    const HLS_FIRST_DELAY_MS = 1000;

    function retryHls(track, hls, url, data) {
      clearTimeout(track.hlsRetryTimer);
      track.hlsFailures = (track.hlsFailures || 0) + 1;
      track.figure.dataset.hlsFailures = String(track.hlsFailures);
      if (track.hlsFailures > HLS_RETRIES) {
        hls.stopLoad();
        track.figure.dataset.hlsState = "failed";
        setState(track, ` Cannot load this recording (${data.details}). Reload the page to try again.`);
        return;
      }
      const delay = HLS_FIRST_DELAY_MS * 2 ** (track.hlsFailures - 1);
      track.figure.dataset.hlsState = "retrying";
      setState(track, ` Loading failed (${data.details}); trying again in ${delay / 1000} s…`);
      track.hlsRetryTimer = setTimeout(() => {
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else if (isManifestError(data.details)) hls.loadSource(url);
        else hls.startLoad(track.el.currentTime);
      }, delay);
    }

    function isManifestError(details) {
      const names = window.Hls.ErrorDetails;
      return [names.MANIFEST_LOAD_ERROR, names.MANIFEST_LOAD_TIMEOUT, names.MANIFEST_PARSING_ERROR]
        .includes(details);
    }

    function hlsRecovered(track) {
      if (!track.hlsFailures) return;
      track.hlsFailures = 0;
      delete track.figure.dataset.hlsState;
      setState(track, "");
    }

    function attachHls(track) {
      const url = track.figure.dataset.playlist;
      if (window.Hls && window.Hls.isSupported()) {
        // No worker: it would be a blob: script, which the CSP forbids.
        const live = "live" in track.figure.dataset;
        const hls = new window.Hls({
          enableWorker: false,
          maxBufferLength: bufferSeconds,
          maxMaxBufferLength: bufferSeconds * 2,
          // A growing playlist: start two segments before its end, a few seconds behind the room.
          liveSyncDurationCount: live ? 2 : 3,
        });
        if (live) {
          hls.on(window.Hls.Events.MANIFEST_PARSED, () => { track.el.play().catch(() => {}); });
        }
        hls.on(window.Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) retryHls(track, hls, url, data);
        });
        for (const loaded of [window.Hls.Events.MANIFEST_LOADED, window.Hls.Events.FRAG_LOADED]) {
          hls.on(loaded, () => hlsRecovered(track));
        }
        hls.loadSource(url);
        hls.attachMedia(track.el);
        track.hls = hls;
        track.figure.dataset.engine = "hls.js";
      } else if (track.el.canPlayType("application/vnd.apple.mpegurl")) {
        track.el.src = url;
        track.figure.dataset.engine = "native";
      } else {
        setState(track, " This browser cannot play HLS: use Download.");
      }
    }
    tracks.filter((t) => t.kind === "hls").forEach(attachHls);
    tracks.filter((t) => t.kind !== "hls").forEach((t) => { t.figure.dataset.engine = "native"; });

    // ---------------------------------------------------------------------------- URL renewal
    // HLS segments go through our server, which redirects to a fresh URL each time: nothing to do.
    function fullyBuffered(el) {
      const ranges = el.buffered;
      return Number.isFinite(el.duration) && ranges.length === 1 &&
        ranges.start(0) <= 0.1 && ranges.end(0) >= el.duration - 0.1;
    }

    function swapSource(track, url, recover) {
      const el = track.el;
      if (!url || track.kind === "hls") return;
      if (!recover && fullyBuffered(el) && !el.error) return; // it will not ask the bucket again
      // After a failed load the element has forgotten where it was: resume from the last good time.
      const at = recover ? track.lastTime : el.currentTime;
      const playing = recover ? track.wasPlaying : !el.paused && !el.ended;
      track.swapping = true;
      el.addEventListener("loadedmetadata", () => {
        el.currentTime = at;
        track.swapping = false;
        if (playing) el.play().catch(() => {});
      }, { once: true });
      el.src = url;
    }

    function schedule() {
      clearTimeout(renewTimer);
      const margin = Math.min(60000, Math.max(1500, ttlMs * 0.25));
      renewTimer = setTimeout(renew, Math.max(500, expiresAt - margin - Date.now()));
    }

    async function renew(recovering) {
      clearTimeout(renewTimer);
      try {
        const response = await fetch(root.dataset.urls, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        expiresAt = data.expires_at;
        for (const track of tracks) {
          const links = data.files[track.file];
          if (links) swapSource(track, links.url, recovering && recovering.has(track));
        }
        for (const node of document.querySelectorAll("[data-download-for]")) {
          const links = data.files[node.dataset.downloadFor];
          if (links) node.href = links.download;
        }
        for (const node of document.querySelectorAll("[data-url-for]")) {
          const links = data.files[node.dataset.urlFor];
          if (links && links.url) node[node.tagName === "IMG" ? "src" : "href"] = links.url;
        }
        root.dataset.renewals = String(parseInt(root.dataset.renewals, 10) + 1);
        delete root.dataset.renewError;
        schedule();
      } catch (error) {
        // A revoked share link or a lost session ends up here: say so, and keep trying.
        root.dataset.renewError = String(error);
        renewTimer = setTimeout(() => renew(recovering), 5000);
      }
    }
    schedule();

    for (const track of tracks) {
      track.lastTime = 0;
      track.wasPlaying = false;
      track.el.addEventListener("timeupdate", () => {
        if (!track.swapping && !track.el.error && !track.el.paused) {
          track.lastTime = track.el.currentTime;
          track.wasPlaying = true;
        }
      });
      track.el.addEventListener("pause", () => {
        // A user's pause (not one caused by a failing load) is remembered.
        if (!track.swapping && !track.el.error && track.el.readyState > 0) track.wasPlaying = false;
      });
      track.el.addEventListener("error", () => {
        // Typically an expired URL (a laptop that slept past the renewal): renew now and resume.
        if (track.kind === "hls" || Date.now() - lastErrorRenewal < 3000) return;
        lastErrorRenewal = Date.now();
        root.dataset.recoveries = String((parseInt(root.dataset.recoveries, 10) || 0) + 1);
        renew(new Set([track]));
      });
    }

    // ---------------------------------------------------------------------------- sync
    function timeline() {
      return lead.el.currentTime + lead.offset;
    }

    function sync(force) {
      const now = timeline();
      const playing = !lead.el.paused && !lead.el.ended;
      for (const track of tracks.slice(1)) {
        if (track.swapping) continue;
        const local = now - track.offset;
        const duration = Number.isFinite(track.el.duration) ? track.el.duration : Infinity;
        if (local < 0 || local > duration) {
          if (!track.el.paused) track.el.pause();
          track.figure.classList.add("idle");
          setState(track, local < 0 ? ` joins in ${Math.ceil(-local)} s` : " ended");
          continue;
        }
        track.figure.classList.remove("idle");
        setState(track, "");
        if (force || Math.abs(track.el.currentTime - local) > 0.35) track.el.currentTime = local;
        if (playing && track.el.paused) track.el.play().catch(() => {});
        if (!playing && !track.el.paused) track.el.pause();
      }
      markChapter(now);
    }

    if (tracks.length > 1) {
      for (const name of ["play", "pause", "seeked", "ratechange"]) {
        lead.el.addEventListener(name, () => {
          for (const track of tracks.slice(1)) track.el.playbackRate = lead.el.playbackRate;
          sync(true);
        });
      }
      for (const track of tracks.slice(1)) {
        // Pressing play on a follower plays the whole group.
        track.el.addEventListener("play", () => {
          if (lead.el.paused && !track.swapping) lead.el.play().catch(() => {});
        });
      }
      setInterval(() => sync(false), 500);
    } else {
      lead.el.addEventListener("timeupdate", () => markChapter(timeline()));
    }

    // ---------------------------------------------------------------------------- chapters
    const chapters = Array.from(root.querySelectorAll("[data-seek]"));

    function markChapter(now) {
      let current = null;
      for (const button of chapters) {
        if (parseFloat(button.dataset.seek) <= now + 0.05) current = button;
      }
      for (const button of chapters) {
        if (button === current) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    }

    function seekTo(seconds) {
      const target = seconds - lead.offset;
      const duration = Number.isFinite(lead.el.duration) ? lead.el.duration : target;
      lead.el.currentTime = Math.max(0, Math.min(target, duration));
      sync(true);
    }

    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-seek]");
      if (!button) return;
      seekTo(parseFloat(button.dataset.seek));
      root.dataset.lastSeek = button.dataset.seek;
    });

    // ---------------------------------------------------------------------------- speaker activity
    // One lane per stream under the video: a bar per second (or per few seconds on long recordings)
    // as high as the stream's volume in ZEGO's .sw file; a click seeks there. SVG attributes, not
    // inline styles, so the CSP holds.
    const SVG = "http://www.w3.org/2000/svg";
    const activity = root.querySelector("[data-activity]");
    if (activity) drawActivity(activity, JSON.parse(document.getElementById(activity.dataset.activity).textContent));

    function svgElement(name, attributes) {
      const element = document.createElementNS(SVG, name);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
      return element;
    }

    function drawActivity(container, data) {
      const width = Math.max(1, ...data.lanes.map((lane) => lane.bars.length));
      const playheads = [];
      for (const lane of data.lanes) {
        const row = document.createElement("div");
        row.className = "activity-lane";
        row.dataset.key = lane.key;
        const label = document.createElement("span");
        label.className = "activity-label";
        label.textContent = lane.key;
        const svg = svgElement("svg", {
          class: "activity-bars", viewBox: `0 0 ${width} 100`, preserveAspectRatio: "none",
        });
        lane.bars.forEach((volume, index) => {
          if (volume > 0) {
            svg.appendChild(svgElement("rect", {
              class: "activity-bar", x: index, y: 100 - volume, width: 0.85, height: volume,
            }));
          }
        });
        const playhead = svgElement("rect", {
          class: "activity-playhead", x: 0, y: 0, width: Math.max(0.4, width / 300), height: 100,
        });
        svg.appendChild(playhead);
        playheads.push(playhead);
        svg.addEventListener("click", (event) => {
          const box = svg.getBoundingClientRect();
          const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
          const seconds = data.offset + fraction * width * data.step;
          seekTo(seconds);
          root.dataset.lastSeek = seconds.toFixed(3);
        });
        row.append(label, svg);
        container.appendChild(row);
      }
      lead.el.addEventListener("timeupdate", () => {
        const x = Math.min(width, Math.max(0, (timeline() - data.offset) / data.step));
        for (const playhead of playheads) playhead.setAttribute("x", x.toFixed(2));
      });
    }
  }

  document.querySelectorAll("#player, [data-player]").forEach(setUpPlayer);
  document.body.addEventListener("htmx:load", (event) => {
    const element = event.detail.elt;
    if (element.matches && element.matches("[data-player]")) setUpPlayer(element);
  });
})();
