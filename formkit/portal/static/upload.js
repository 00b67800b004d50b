// Drag and drop onto the upload area; without JavaScript the plain form still works.
(function () {
  var chosen = document.getElementById("chosen"), picker = document.getElementById("file");
  if (picker && chosen) picker.addEventListener("change", function () {
    chosen.textContent = picker.files.length ? "已选择：" + picker.files[0].name : "";
  });
  var form = document.getElementById("upload"), drop = document.getElementById("drop"),
      input = document.getElementById("file"), progress = document.getElementById("progress");
  if (!form || !window.FormData || !window.fetch) return;
  function send(file) {
    var data = new FormData();
    data.append("csrftoken", form.elements.csrftoken.value);
    if (form.elements.city) data.append("city", form.elements.city.value);
    data.append("file", file, file.name);
    progress.textContent = "正在上传并检查“" + file.name + "”，请稍候……";
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
                        headers: {"x-csrftoken": form.elements.csrftoken.value}})
      .then(function (r) { window.location.href = r.url; })
      .catch(function () { progress.textContent = "上传失败，请检查网络后重试。"; });
  }
  ["dragenter", "dragover"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) {
    if (ev.dataTransfer && ev.dataTransfer.files.length) send(ev.dataTransfer.files[0]);
  });
  input.addEventListener("change", function () { if (input.files.length) send(input.files[0]); });
  var button = document.getElementById("send");
  if (button) button.style.display = "none";
})();
