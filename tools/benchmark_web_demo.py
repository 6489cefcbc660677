"""Latency of the web demo (demo/gradio_text2img.py): from the Generate click to the images.

    python tools/benchmark_web_demo.py                      # shipped model, CPU, 1 and 4 images
    python tools/benchmark_web_demo.py CONFIG CKPT --num-images 1 4 8 --repeats 5 --no-browser

Starts the page on 127.0.0.1 (a free port) and measures, per number of images:

- ``callback_s``: the Generate callback alone (sampling, sheets; no web round trip);
- ``client_s``: the same request through ``gradio_client`` (Gradio's queue, the PNG encoding
  of the outputs, HTTP, the client's download of the files; no browser);
- ``page_s`` (with a browser): a headless chromium types the caption, clicks Generate and
  waits until every image of the gallery has loaded; the time from the click to that moment.

Prints one JSON line per number of images (the median and every run, and the 1-minute load
average of the machine at the end: other processes on the same cores slow every number). The
browser is the system ``chromium`` with ``chromedriver`` (Debian: ``apt-get install chromium
chromium-driver``), driven by Selenium without any download.
"""
import argparse
import json
import os
import os.path as osp
import platform
import socket
import statistics
import sys
import time
from typing import List, Optional, Tuple

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'demo'))

import gradio_text2img as web_demo  # noqa: E402  (demo/ is not a package)

CHROMIUM = os.environ.get('MMDMGAN_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('MMDMGAN_CHROMEDRIVER', '/usr/bin/chromedriver')
ALL_IMAGES_LOADED = """
const images = document.querySelectorAll('#images img');
return images.length === arguments[0] &&
    Array.from(images).every(img => img.complete && img.naturalWidth > 0 && img.src);
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_app(app, port: Optional[int] = None) -> str:
    """Serve ``app`` on 127.0.0.1 in background threads; returns its URL (close with
    ``app.close()``)."""
    port = port or free_port()
    app.queue().launch(server_name='127.0.0.1', server_port=port, share=False,
                       prevent_thread_lock=True, quiet=True)
    return f'http://127.0.0.1:{port}/'


def browser_missing() -> Optional[str]:
    """Why the headless browser cannot run here, or ``None`` when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is not installed (pip install -r requirements/demo.txt)'
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return (f'{path} not found: install the system browser with '
                    '`apt-get install chromium chromium-driver`')
    return None


def open_browser(width: int = 1400, height: int = 1100):
    """A headless chromium (the system one, with its chromedriver: nothing is downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage',
                     '--disable-gpu', f'--window-size={width},{height}'):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def type_caption(driver, caption: str) -> None:
    """Replace the text of the page's caption box by ``caption``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.CSS_SELECTOR, '#caption textarea')
    box.send_keys(Keys.CONTROL, 'a')
    box.send_keys(Keys.DELETE)
    box.send_keys(caption)


def generate_in_page(driver, url: str, caption: str, num_images: int,
                     timeout: float = 120) -> Tuple[float, List[str]]:
    """Open the page, type ``caption``, set the number of images, click Generate and wait
    for the gallery.

    Returns:
        tuple: seconds from the click until all ``num_images`` gallery images have loaded,
        and their ``src`` URLs.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    # Poll often: the default 0.5 s would add up to half a second to every measurement.
    wait = WebDriverWait(driver, timeout, poll_frequency=0.02)
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '#caption textarea'))
    type_caption(driver, caption)
    number = driver.find_element(By.CSS_SELECTOR, '#num-images input[type=number]')
    number.send_keys(Keys.CONTROL, 'a')
    number.send_keys(str(num_images), Keys.TAB)
    button = driver.find_element(By.ID, 'generate')
    start = time.perf_counter()
    button.click()
    wait.until(lambda d: d.execute_script(ALL_IMAGES_LOADED, num_images))
    seconds = time.perf_counter() - start
    sources = [img.get_attribute('src')
               for img in driver.find_elements(By.CSS_SELECTOR, '#images img')]
    return seconds, sources


def summary(times: List[float]) -> dict:
    return dict(median=round(statistics.median(times), 3), runs=[round(t, 3) for t in times])


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=web_demo.SHAPES_DEMO_CONFIG)
    parser.add_argument('checkpoint', nargs='?', default=web_demo.SHAPES_DEMO_CHECKPOINT)
    parser.add_argument('--caption', default=web_demo.EXAMPLES[0])
    parser.add_argument('--num-images', type=int, nargs='+', default=[1, 4])
    parser.add_argument('--repeats', type=int, default=5, help='timed runs of each setting')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-browser', action='store_true', help='time the callback only')
    args = parser.parse_args(argv)
    if args.repeats < 1 or min(args.num_images) < 1:
        parser.error('--repeats and --num-images must be at least 1')
    if not args.no_browser and browser_missing():
        parser.error(f'{browser_missing()}; or pass --no-browser')

    from gradio_client import Client

    cache = web_demo.ModelCache(args.device)
    app = web_demo.build_app(cache, args.config, args.checkpoint)
    url = start_app(app)
    client = Client(url, verbose=False)
    final_size = cache.get(args.config, args.checkpoint).sizes[-1]
    driver = None if args.no_browser else open_browser()
    try:
        for num_images in args.num_images:
            callback_times, client_times, page_times = [], [], []
            for run in range(args.repeats + 1):  # run 0 warms up (allocator, page assets)
                start = time.perf_counter()
                web_demo.generate(cache, args.caption, num_images, run, None, args.config,
                                  args.checkpoint)
                callback_time = time.perf_counter() - start
                start = time.perf_counter()
                client.predict(args.caption, num_images, run, final_size, args.config,
                               args.checkpoint, api_name='/generate')
                client_time = time.perf_counter() - start
                page_time = None if driver is None else generate_in_page(
                    driver, url, args.caption, num_images)[0]
                if run:
                    callback_times.append(callback_time)
                    client_times.append(client_time)
                    if page_time is not None:
                        page_times.append(page_time)
            record = dict(num_images=num_images, device=args.device,
                          callback_s=summary(callback_times), client_s=summary(client_times),
                          page_s=summary(page_times) if page_times else None,
                          config=args.config, caption=args.caption,
                          threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
                          load_average=round(os.getloadavg()[0], 1), torch=torch.__version__,
                          cpu=platform.processor() or platform.machine())
            print(json.dumps(record), flush=True)
    finally:
        if driver is not None:
            driver.quit()
        app.close()


if __name__ == '__main__':
    main()
