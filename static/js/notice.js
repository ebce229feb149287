// The notice page's 复制通报文本 button: copies the notice's text for a chat group.
// Without script (or clipboard) the text area is still there to select and copy by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      function done() {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }
      source.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
