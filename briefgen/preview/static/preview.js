// The preview's one script, for the index and the wrapper page: it listens to the
// server's events and, when the files change, reloads the brief in the frame (keeping
// the reader's scroll position) or the index.  The brief itself runs no script.
"use strict";

(function () {
  const body = document.body;
  const frame = document.getElementById("brief");
  const status = document.getElementById("status");
  let version = Number(body.dataset.version);
  let restore = null;     // the scroll position to put back once the frame has loaded
  let briefY = 0;         // where the reader last was in the brief (not a problems page)

  function say(text) {
    if (status && status.textContent !== text) {
      status.textContent = text;
    }
  }

  function showsProblems() {
    const shown = frame.contentDocument;
    return !shown || !shown.body || shown.body.classList.contains("preview-problems");
  }

  function reloadFrame() {
    if (restore === null) {
      restore = showsProblems() ? briefY : frame.contentWindow.scrollY;
    }
    frame.contentWindow.location.replace(frame.dataset.view);
  }

  function loaded() {
    const problems = showsProblems();
    if (restore !== null && !problems) {
      frame.contentWindow.scrollTo(0, restore);
    }
    if (!problems) {
      briefY = frame.contentWindow.scrollY;
      frame.contentWindow.addEventListener("scroll", function () {
        briefY = frame.contentWindow.scrollY;
      }, { passive: true });
    }
    restore = null;
    const path = frame.contentWindow.location.pathname;
    const shown = frame.contentDocument;
    if (shown && shown.body && shown.body.classList.contains("preview-gone")) {
      say("This brief or audience is no longer in the project.");
    } else if (path.endsWith("/last-good")) {
      say("Showing the last good version, without the latest changes.");
    } else if (problems) {
      say("The brief has problems: fix them and save.");
    } else {
      say("Up to date.");
    }
  }

  function concerns(change) {
    if (!frame) {
      return change.index;
    }
    return change.pages.some(function (page) {
      return page[0] === frame.dataset.name && page[1] === frame.dataset.audience;
    });
  }

  function refresh() {
    if (frame) {
      reloadFrame();
    } else {
      window.location.reload();
    }
  }

  if (frame) {
    frame.addEventListener("load", loaded);
  }
  const events = new EventSource(body.dataset.events);
  events.addEventListener("hello", function (message) {
    const current = JSON.parse(message.data).version;
    if (current !== version) {      // a change came while this page connected
      version = current;
      refresh();
    }
  });
  events.addEventListener("change", function (message) {
    const change = JSON.parse(message.data);
    version = change.version;
    if (concerns(change)) {
      refresh();
    }
  });
  events.addEventListener("error", function () {
    say("The preview server does not answer; trying again.");
  });
  events.addEventListener("open", function () {
    if (status && status.textContent.startsWith("The preview server")) {
      say("Up to date.");
    }
  });
}());
