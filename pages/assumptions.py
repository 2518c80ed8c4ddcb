import streamlit as st
import app_ui as ui
ui.page_header("assumptions")
