// The admin's only script (a file, for the Content-Security-Policy): "select all" on the change
// list and search-as-you-type for relation fields. Everything works without it.
document.addEventListener('DOMContentLoaded', () => {
  const all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', () => {
      for (const box of document.querySelectorAll('input[name="_selected_action"]'))
        box.checked = all.checked;
    });
  }
  for (const input of document.querySelectorAll('input[data-lookup]')) {
    const list = document.getElementById(input.getAttribute('list'));
    let timer;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      const term = input.value.trim();
      if (!term) return;
      timer = setTimeout(async () => {
        const response = await fetch(`${input.dataset.lookup}?q=${encodeURIComponent(term)}`, {
          headers: { Accept: 'application/json' },
          credentials: 'same-origin',
        });
        if (!response.ok) return;
        const { results } = await response.json();
        list.replaceChildren(
          ...results.map((result) => {
            const option = document.createElement('option');
            option.value = result.id;
            option.label = result.label;
            option.textContent = result.label;
            return option;
          }),
        );
      }, 200);
    });
  }
});
