/**
 * The registry of real proxy products. Adding a product = one spec file here
 * plus a folder of templates under proxies/<product>/.
 */
import type { RealProductSpec } from '../product-spec';
import { apache2 } from './apache2';
import { caddy } from './caddy';
import { h2o } from './h2o';
import { haproxy } from './haproxy';
import { lighttpd } from './lighttpd';
import { nginx } from './nginx';
import { squid } from './squid';
import { tinyproxy } from './tinyproxy';
import { trafficserver } from './trafficserver';
import { varnish } from './varnish';

/** Every product by name. */
export const REAL_PRODUCTS: Readonly<Record<string, RealProductSpec>> = Object.fromEntries(
  [nginx, haproxy, apache2, caddy, squid, varnish, lighttpd, h2o, trafficserver, tinyproxy].map((spec) => [spec.product, spec]),
);
