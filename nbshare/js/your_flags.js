// Your flags: what this visitor flagged, newest first, and what became of each (re-tested on a new model version,
// the researcher's reply). Every text is set as text, never as HTML. The page sends nothing.
import { bind, element } from "./helpers.js";

// A time from the kernel (ISO, UTC) in the reader's own time zone and language.
const when = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
};

const STATUS = { sent: "Sent", retested: "Re-tested", replied: "Replied" };

function flagItem(item) {
  const message = element("span", { className: "nbshare-your-flag-message" });
  if (item.option) message.append(element("b", { textContent: item.option }), " ");
  message.append(item.message || "(no message)");
  const time = element("time", { className: "nbshare-your-flag-time", dateTime: item.time, textContent: when(item.time) });
  const status = element("span", { className: "nbshare-your-flag-status", textContent: STATUS[item.status] || item.status });
  const li = element("li", { className: "nbshare-your-flag" },
    element("div", { className: "nbshare-your-flag-head" }, message, time),
    element("div", { className: "nbshare-your-flag-notes" }, status,
      ...item.retests.map((text) => element("span", { className: "nbshare-your-flag-retest", textContent: text }))),
    ...item.replies.map((reply) => element("div", { className: "nbshare-reply" },
      element("div", { className: "nbshare-reply-head" },
        element("span", { className: "nbshare-reply-label", textContent: "Reply from the researcher" }),
        element("time", { className: "nbshare-reply-time", dateTime: reply.time, textContent: when(reply.time) })),
      element("p", { className: "nbshare-reply-text", textContent: reply.text }))),
  );
  li.dataset.status = item.status;
  return li;
}

function render({ model, el }) {
  el.classList.add("nbshare-your-flags");
  const title = element("summary", { className: "nbshare-your-flags-title" });
  const news = element("p", { className: "nbshare-your-flags-news", attrs: { role: "status" } });
  const list = element("ol", { className: "nbshare-your-flags-list" });
  const details = element("details", { open: true }, title, news, list);
  el.append(details);
  let replies = model.get("replies");
  const update = () => {
    const items = model.get("items");
    const total = model.get("total");
    el.hidden = items.length === 0;
    title.textContent = total > items.length ? `Your flags (the latest ${items.length} of ${total})` : `Your flags (${items.length})`;
    list.replaceChildren(...items.map(flagItem));
    if (model.get("replies") > replies) {
      news.textContent = "The researcher replied to your flag.";
      details.open = true;
    }
    replies = model.get("replies");
  };
  const listeners = bind(model, "change:items change:total change:replies", update);
  update();
  return listeners.dispose;
}

export default { render };
