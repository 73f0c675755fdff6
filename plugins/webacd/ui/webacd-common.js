// What every WebACD panel shares: counting characters as a person sees
// them (as the plugin counts them: grapheme clusters) and saying how long
// someone has waited.
(function () {
  "use strict";

  /** The characters a person sees in `text` (Intl.Segmenter's graphemes). */
  function countCharacters(text) {
    text = String(text || "");
    if (typeof Intl !== "undefined" && typeof Intl.Segmenter === "function") {
      var count = 0;
      var segments = new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text);
      var iterator = segments[Symbol.iterator]();
      while (!iterator.next().done) count++;
      return count;
    }
    return Array.from(text).length;
  }

  /** `m:ss`, or `h:mm:ss` past an hour. */
  function formatDuration(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return hours > 0 ? hours + ":" + pad(minutes) + ":" + pad(seconds) : minutes + ":" + pad(seconds);
  }

  /**
   * A clock in step with the plugin's: `now()` is the plugin's time, from
   * the `now_ms` of its last answer plus the time passed here since.
   */
  function serverClock() {
    var offset = 0;
    return {
      sync: function (serverNow) {
        if (typeof serverNow === "number") offset = serverNow - Date.now();
      },
      now: function () {
        return Date.now() + offset;
      },
    };
  }

  (typeof window !== "undefined" ? window : globalThis).WebAcd = {
    MAX_MESSAGE: 345,
    MAX_PROBLEM: 200,
    MAX_NAME: 80,
    countCharacters: countCharacters,
    formatDuration: formatDuration,
    serverClock: serverClock,
  };
})();
