// The same steps as the original client's PaySuccess page: show the return parameters, then
// ask the shop (GET /api/v1/order/success/ with the same query) whether the order is paid.
const params = new URLSearchParams(location.search);
for (const name of ["out_trade_no", "trade_no", "timestamp"]) {
  document.getElementById(name).textContent = params.get(name) || "";
}
async function check() {
  const result = document.getElementById("result");
  try {
    const response = await fetch("/api/v1/order/success/" + location.search);
    const body = await response.json();
    result.textContent = body.code === 100 ? "支付成功，课程已开通" : body.msg;
    result.className = body.code === 100 ? "paid" : "waiting";
    document.getElementById("again").hidden = body.code === 100;
  } catch (error) {
    result.textContent = "网络错误，请稍后刷新";
  }
}
document.getElementById("again").addEventListener("click", check);
check();
